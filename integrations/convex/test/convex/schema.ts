// The story's schema (apps/convex/schema.ts, as the seed declares `ai_prompts`), with
// promptctl's tables added as its README says. `users` is here only because `created_by`
// refers to it.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { promptctlTables } from "./promptctl";

export default defineSchema({
  users: defineTable({ name: v.string() }),
  ai_prompts: defineTable({
    // Identity
    prompt_name: v.string(),
    prompt_version: v.string(),

    // Content
    prompt_template: v.string(),
    description: v.optional(v.string()),
    input_schema: v.optional(v.string()),
    output_schema: v.optional(v.string()),

    // Developer scoping
    scope: v.optional(v.union(v.literal("production"), v.literal("developer"))),
    developer_session_id: v.optional(v.string()),
    parent_prompt_id: v.optional(v.id("ai_prompts")),
    expires_at: v.optional(v.number()),

    // Usage Context
    workflow_step: v.optional(v.string()),
    subsystem: v.optional(v.string()),
    ai_model: v.optional(v.string()),
    max_tokens: v.optional(v.number()),
    temperature: v.optional(v.number()),

    // Versioning
    is_active: v.optional(v.boolean()),
    created_at: v.number(),
    created_by: v.optional(v.id("users")),
    replaced_at: v.optional(v.number()),
    replaced_by: v.optional(v.string()),
  }),
  ...promptctlTables,
});
