// promptctl's side of a Convex deployment: copy this file into your `convex/` folder, add
// `...promptctlTables` to your schema (see README.md beside it) and deploy with your app.
//
// promptctl (the CLI, in CI) reads and writes the story's `ai_prompts` table through these
// internal functions, with the deployment's deploy key; nothing here is callable from a
// browser. Every check of what a prompt may be (catalog, limits, policies) is promptctl's
// and runs before a change set is sent; this module keeps the promptctl's bookkeeping and
// enforces what only the database can: each change set is one serializable transaction,
// applied whole or not at all, and only if every row is still as the plan read it.
//
// `ai_prompts` is used as your schema declares it: promptctl adds no field to it. Its own
// state lives in two tables of its own: `promptctl_meta` (the store's id, its revision and
// the rules of record promptctl published) and `promptctl_audit` (every change).

import { ConvexError, v } from "convex/values";
import { defineTable, paginationOptsValidator } from "convex/server";
import { internalMutation, internalQuery } from "./_generated/server";

/** promptctl's own tables: spread them into your `defineSchema({ ... })`. */
export const promptctlTables = {
  promptctl_meta: defineTable({
    store_id: v.string(),
    revision: v.number(),
    rules: v.optional(v.string()),
    rules_digest: v.optional(v.string()),
    rules_revision: v.optional(v.number()),
    rules_at: v.optional(v.number()),
    rules_actor: v.optional(v.string()),
  }),
  promptctl_audit: defineTable({
    revision: v.number(),
    at: v.number(),
    actor: v.string(),
    change: v.string(),
    row_id: v.optional(v.string()),
    prompt_name: v.optional(v.string()),
    prompt_version: v.optional(v.string()),
    before: v.optional(v.string()),
    after: v.optional(v.string()),
  })
    .index("by_revision", ["revision"])
    .index("by_prompt_name", ["prompt_name", "revision"]),
};

// The fields of `ai_prompts` promptctl reads into a precondition, in a fixed order: a row's
// precondition changes whenever any of them does, whoever changed it (promptctl, your app, or
// the dashboard), so a plan is never applied over a change it did not see.
const FIELDS = [
  "prompt_name",
  "prompt_version",
  "prompt_template",
  "description",
  "input_schema",
  "output_schema",
  "scope",
  "developer_session_id",
  "parent_prompt_id",
  "expires_at",
  "workflow_step",
  "subsystem",
  "ai_model",
  "max_tokens",
  "temperature",
  "is_active",
  "created_at",
  "created_by",
  "replaced_at",
  "replaced_by",
] as const;

/** A row's precondition: the first 52 bits of the SHA-256 of its fields, as a number. */
async function precondition(doc: Record<string, unknown>): Promise<number> {
  const canonical = JSON.stringify(FIELDS.map((field) => doc[field] ?? null));
  const bytes = new TextEncoder().encode(canonical);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let value = 0;
  for (let i = 0; i < 6; i++) value = value * 256 + digest[i];
  // 48 bits from six bytes, and 4 from the seventh: exact in a double.
  return value * 16 + (digest[6] >> 4);
}

async function readMeta(ctx: { db: any }) {
  return await ctx.db.query("promptctl_meta").first();
}

/**
 * One page of `ai_prompts`, each row with its `_id` and its `precondition`, and the store's id
 * and revision. On a deployment where promptctl never wrote, the store has no id yet (`null`)
 * and is at revision 0: a query cannot write, so the first `apply` creates the bookkeeping.
 */
export const snapshot = internalQuery({
  args: { paginationOpts: paginationOptsValidator, with_rules: v.boolean() },
  handler: async (ctx, { paginationOpts, with_rules }) => {
    const meta = await readMeta(ctx);
    const result = await ctx.db.query("ai_prompts").paginate(paginationOpts);
    const page = [];
    for (const doc of result.page) {
      page.push({ ...doc, precondition: await precondition(doc) });
    }
    return {
      store_id: meta?.store_id ?? null,
      revision: meta?.revision ?? 0,
      rules:
        with_rules && meta?.rules !== undefined
          ? {
              text: meta.rules,
              digest: meta.rules_digest ?? "",
              revision: meta.rules_revision ?? 0,
              at: meta.rules_at ?? 0,
              actor: meta.rules_actor ?? "",
            }
          : null,
      page,
      isDone: result.isDone,
      continueCursor: result.continueCursor,
    };
  },
});

/** The audit log, newest first, optionally of one prompt name. */
export const history = internalQuery({
  args: { prompt_name: v.optional(v.string()), limit: v.number() },
  handler: async (ctx, { prompt_name, limit }) => {
    const take = Math.max(0, Math.min(Math.floor(limit), 10000));
    const entries =
      prompt_name === undefined
        ? ctx.db.query("promptctl_audit").withIndex("by_revision")
        : ctx.db
            .query("promptctl_audit")
            .withIndex("by_prompt_name", (q: any) => q.eq("prompt_name", prompt_name));
    return await entries.order("desc").take(take);
  },
});

const optionalText = v.optional(v.union(v.string(), v.null()));
const optionalNumber = v.optional(v.union(v.number(), v.null()));

const newRow = v.object({
  prompt_name: v.string(),
  prompt_version: v.string(),
  prompt_template: v.string(),
  description: v.optional(v.string()),
  input_schema: v.optional(v.string()),
  output_schema: v.optional(v.string()),
  workflow_step: v.optional(v.string()),
  subsystem: v.optional(v.string()),
  ai_model: v.string(),
  max_tokens: v.optional(v.number()),
  temperature: v.optional(v.number()),
  is_active: v.boolean(),
});

// A patch sets a field to a value, or clears it with `null`; absent fields stay as they are.
const patch = v.object({
  ai_model: v.optional(v.string()),
  max_tokens: optionalNumber,
  temperature: optionalNumber,
  description: optionalText,
  workflow_step: optionalText,
  subsystem: optionalText,
  is_active: v.optional(v.boolean()),
  replaced_at: optionalNumber,
  replaced_by: optionalText,
});

const op = v.union(
  v.object({
    kind: v.literal("insert"),
    change: v.string(),
    row: newRow,
    // The plan saw no production row of this name: any version created since is a conflict.
    expect_new_name: v.boolean(),
    after: v.string(),
  }),
  v.object({
    kind: v.literal("update"),
    change: v.string(),
    id: v.id("ai_prompts"),
    precondition: v.number(),
    patch,
    before: v.string(),
    after: v.string(),
  }),
);

// Rules of record to publish with a write: their text and digest, kept in promptctl_meta.
const publish = v.object({ rules: v.string(), digest: v.string() });
// Audit entries of a write that name no row (rules published, policies overridden).
const record = v.object({ change: v.string(), after: v.string() });

type Conflict = {
  prompt_name: string;
  prompt_version: string;
  id: string | null;
  expected: number | null;
  actual: number | null;
  reason: string;
};

/** A change set refused: nothing was written (a thrown error rolls the mutation back). */
function refuse(kind: string, detail: Record<string, unknown>): never {
  throw new ConvexError({ promptctl: kind, ...detail });
}

/**
 * Apply a change set: every op or none. Refused, writing nothing, when the store is another
 * one than the plan read, the rules of record were published anew since, or any row is no
 * longer as the plan read it (every such row is listed).
 */
export const apply = internalMutation({
  args: {
    store_id: v.string(),
    new_store_id: v.string(),
    actor: v.string(),
    at: v.number(),
    rules_digest_read: v.union(v.string(), v.null()),
    publish: v.optional(publish),
    ops: v.array(op),
    records: v.array(record),
  },
  handler: async (ctx, args) => {
    const meta = await readMeta(ctx);
    if (meta === null ? args.store_id !== "" : meta.store_id !== args.store_id) {
      refuse("wrong_store", { actual: meta?.store_id ?? "" });
    }
    if ((meta?.rules_digest ?? null) !== args.rules_digest_read) {
      refuse("rules_moved", {});
    }
    const conflicts: Conflict[] = [];
    const docs = new Map<string, any>();
    for (const o of args.ops) {
      if (o.kind !== "update") continue;
      const doc = await ctx.db.get(o.id);
      if (doc === null) {
        conflicts.push({
          prompt_name: "",
          prompt_version: "",
          id: o.id,
          expected: o.precondition,
          actual: null,
          reason: "is not in the store",
        });
        continue;
      }
      const now = await precondition(doc);
      if (now !== o.precondition) {
        conflicts.push({
          prompt_name: doc.prompt_name,
          prompt_version: doc.prompt_version,
          id: o.id,
          expected: o.precondition,
          actual: now,
          reason: "changed since the plan read it",
        });
      }
      docs.set(o.id, doc);
    }
    const inserts = args.ops.filter((o) => o.kind === "insert");
    if (inserts.length > 0) {
      // Versions of the names inserted, read once: a version created since the plan is a
      // conflict, as is any version of a name the plan saw none of.
      const names = new Set(inserts.map((o) => o.row.prompt_name));
      const taken = new Map<string, string[]>();
      for await (const doc of ctx.db.query("ai_prompts")) {
        if ((doc.scope ?? "production") !== "production" || !names.has(doc.prompt_name)) continue;
        taken.set(doc.prompt_name, [...(taken.get(doc.prompt_name) ?? []), doc.prompt_version]);
      }
      for (const o of inserts) {
        const versions = taken.get(o.row.prompt_name) ?? [];
        const clash = versions.find((v) => o.expect_new_name || v === o.row.prompt_version);
        if (clash !== undefined) {
          conflicts.push({
            prompt_name: o.row.prompt_name,
            prompt_version: o.row.prompt_version,
            id: null,
            expected: null,
            actual: null,
            reason: `version ${clash} was created since the plan was made`,
          });
        }
      }
    }
    if (conflicts.length > 0) refuse("conflict", { conflicts });
    if (args.ops.length === 0 && args.publish === undefined && args.records.length === 0) {
      return { revision: meta?.revision ?? 0, applied: 0, store_id: meta?.store_id ?? "" };
    }

    const revision = (meta?.revision ?? 0) + 1;
    const storeId = meta?.store_id ?? args.new_store_id;
    const audit = (entry: Record<string, unknown>) =>
      ctx.db.insert("promptctl_audit", { revision, at: args.at, actor: args.actor, ...entry });
    for (const o of args.ops) {
      if (o.kind === "insert") {
        const fields: Record<string, unknown> = { ...o.row, scope: "production", created_at: args.at };
        const id = await ctx.db.insert("ai_prompts", dropUndefined(fields));
        await audit({
          change: o.change,
          row_id: id,
          prompt_name: o.row.prompt_name,
          prompt_version: o.row.prompt_version,
          after: o.after,
        });
      } else {
        const doc = docs.get(o.id);
        const fields: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(o.patch)) {
          // `null` clears a field: Convex removes a field patched to `undefined`.
          fields[key] = value === null ? undefined : value;
        }
        await ctx.db.patch(o.id, fields);
        await audit({
          change: o.change,
          row_id: o.id,
          prompt_name: doc.prompt_name,
          prompt_version: doc.prompt_version,
          before: o.before,
          after: o.after,
        });
      }
    }
    for (const r of args.records) await audit(r);
    await moveRevision(ctx, meta, storeId, revision, args);
    return { revision, applied: args.ops.length, store_id: storeId };
  },
});

const restoredRow = v.object({
  old_id: v.string(),
  prompt_name: v.string(),
  prompt_version: v.string(),
  prompt_template: v.string(),
  description: v.optional(v.string()),
  input_schema: v.optional(v.string()),
  output_schema: v.optional(v.string()),
  scope: v.union(v.literal("production"), v.literal("developer")),
  developer_session_id: v.optional(v.string()),
  parent_old_id: v.optional(v.string()),
  expires_at: v.optional(v.number()),
  workflow_step: v.optional(v.string()),
  subsystem: v.optional(v.string()),
  ai_model: v.optional(v.string()),
  max_tokens: v.optional(v.number()),
  temperature: v.optional(v.number()),
  is_active: v.boolean(),
  created_at: v.number(),
  replaced_at: v.optional(v.number()),
  replaced_by: v.optional(v.string()),
});

/**
 * Restore rows from an export into a store that holds none: one transaction. Convex assigns
 * every row a new `_id`; a row's `parent_prompt_id` follows its parent to its new id.
 */
export const restore = internalMutation({
  args: {
    new_store_id: v.string(),
    revision: v.number(),
    actor: v.string(),
    at: v.number(),
    rows: v.array(restoredRow),
    publish: v.optional(publish),
    records: v.array(record),
  },
  handler: async (ctx, args) => {
    const existing = await ctx.db.query("ai_prompts").take(1);
    if (existing.length > 0) refuse("not_empty", {});
    const meta = await readMeta(ctx);
    const revision = Math.max(args.revision, meta?.revision ?? 0) + 1;
    const ids = new Map<string, string>();
    for (const row of args.rows) {
      const { old_id, parent_old_id, ...fields } = row;
      ids.set(old_id, await ctx.db.insert("ai_prompts", dropUndefined(fields)));
    }
    for (const row of args.rows) {
      const parent = row.parent_old_id === undefined ? undefined : ids.get(row.parent_old_id);
      if (parent !== undefined) await ctx.db.patch(ids.get(row.old_id) as any, { parent_prompt_id: parent });
    }
    const audit = { revision, at: args.at, actor: args.actor };
    await ctx.db.insert("promptctl_audit", {
      ...audit,
      change: "restore",
      after: JSON.stringify({ rows: args.rows.length, replaced_rows: 0, backup: null }),
    });
    for (const r of args.records) await ctx.db.insert("promptctl_audit", { ...audit, ...r });
    const storeId = meta?.store_id ?? args.new_store_id;
    await moveRevision(ctx, meta, storeId, revision, args);
    return { revision, restored: args.rows.length, store_id: storeId };
  },
});

/** Move the store to `revision`, minting its bookkeeping on the first write. */
async function moveRevision(
  ctx: { db: any },
  meta: any,
  storeId: string,
  revision: number,
  args: { at: number; actor: string; publish?: { rules: string; digest: string } },
) {
  const published =
    args.publish === undefined
      ? {}
      : {
          rules: args.publish.rules,
          rules_digest: args.publish.digest,
          rules_revision: revision,
          rules_at: args.at,
          rules_actor: args.actor,
        };
  if (meta === null) {
    await ctx.db.insert("promptctl_meta", { store_id: storeId, revision, ...published });
  } else {
    await ctx.db.patch(meta._id, { revision, ...published });
  }
}

function dropUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
