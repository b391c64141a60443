// A stand-in for a Convex deployment's HTTP API, answered by convex-test (Convex's own test
// harness) running promptctl.ts against the story's schema: what promptctl's Convex store is
// tested through. It serves the documented routes promptctl calls,
//
//   POST /api/query, /api/mutation   {"path": "promptctl:snapshot", "args": {...}, "format": "json"}
//
// with admin auth (`Authorization: Convex <deploy key>`), answering
// `{"status": "success", "value": ...}` or, for an error thrown by the function, HTTP 560
// `{"status": "error", "errorMessage": ..., "errorData": ...}` as Convex does. Three more
// routes stand in for the team's app and dashboard editing `ai_prompts` directly:
// POST /_test/insert {table, doc}, /_test/patch {id, fields}, /_test/all {table}.
//
// It runs from a folder laid out as a team's project: this file, `convex/schema.ts`,
// `convex/_generated/server.ts` and `convex/promptctl.ts` copied from `../promptctl.ts`, as
// a team copies it (the store suite's helper lays it out under target/convex-harness/).
// Run: tsx shim.ts (prints `listening PORT`); the deploy key is CONVEX_SHIM_DEPLOY_KEY.
import { createServer, IncomingMessage, ServerResponse } from "node:http";

const { convexTest } = await import("convex-test");
const { makeFunctionReference } = await import("convex/server");
const { ConvexError, convexToJson } = await import("convex/values");
const schema = (await import("./convex/schema.ts")).default;

const t = convexTest(schema, {
  "./convex/_generated/server.ts": () => import("./convex/_generated/server.ts"),
  "./convex/schema.ts": () => import("./convex/schema.ts"),
  "./convex/promptctl.ts": () => import("./convex/promptctl.ts"),
});
const deployKey = process.env.CONVEX_SHIM_DEPLOY_KEY ?? "";

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

async function body(request: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

async function call(kind: "query" | "mutation", request: IncomingMessage, response: ServerResponse) {
  if (request.headers.authorization !== `Convex ${deployKey}`) {
    return send(response, 401, { code: "BadAdminKey", message: "The provided admin key was invalid for this instance" });
  }
  const { path, args } = await body(request);
  if (typeof path !== "string" || !/^promptctl:(snapshot|history|apply|restore)$/.test(path)) {
    return send(response, 404, { code: "FunctionNotFound", message: `Could not find public function for '${path}'` });
  }
  try {
    const reference = makeFunctionReference<any>(path);
    const value = kind === "query" ? await t.query(reference, args ?? {}) : await t.mutation(reference, args ?? {});
    send(response, 200, { status: "success", value: convexToJson(value ?? null), logLines: [] });
  } catch (error: any) {
    const data = error instanceof ConvexError ? { errorData: convexToJson(error.data as any) } : {};
    send(response, 560, { status: "error", errorMessage: String(error?.message ?? error), ...data, logLines: [] });
  }
}

const server = createServer(async (request, response) => {
  try {
    if (request.method !== "POST") return send(response, 405, { message: "POST only" });
    switch (request.url?.split("?")[0]) {
      case "/api/query":
        return await call("query", request, response);
      case "/api/mutation":
        return await call("mutation", request, response);
      case "/_test/insert": {
        const { table, doc } = await body(request);
        const id = await t.run(async (ctx: any) => ctx.db.insert(table, doc));
        return send(response, 200, { id });
      }
      case "/_test/patch": {
        const { id, fields } = await body(request);
        await t.run(async (ctx: any) => ctx.db.patch(id, fields));
        return send(response, 200, {});
      }
      case "/_test/all": {
        const { table } = await body(request);
        return send(response, 200, await t.run(async (ctx: any) => ctx.db.query(table).collect()));
      }
      default:
        return send(response, 404, { message: "no such route" });
    }
  } catch (error: any) {
    send(response, 500, { message: String(error?.message ?? error) });
  }
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(`listening ${address.port}`);
});
