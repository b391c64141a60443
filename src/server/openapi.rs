//! `schemas/openapi.json`: the API as OpenAPI 3.1, made from the same route list the router is
//! made from and from the same types the handlers send, so it cannot drift from either.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{Role, routes};
use crate::catalog::CatalogEntryV1;
use crate::store::wire::{
    ActivePrompt, ErrorBody, Health, PromptList, RestoreRequest, RestoreResponse,
};
use crate::store::{ApplyOutcome, AuditEntry, ChangeSet, Snapshot};

/// The OpenAPI document.
pub fn document() -> Value {
    let mut components = Map::new();
    let mut schema = |name: &str, value: Value| -> Value {
        components.insert(name.to_owned(), value);
        json!({ "$ref": format!("#/components/schemas/{name}") })
    };
    let error = schema("ErrorBody", schema_of::<ErrorBody>());
    let bodies: Vec<(&str, &str, Option<Value>, Value)> = vec![
        (
            "GET",
            "/healthz",
            None,
            schema("Health", schema_of::<Health>()),
        ),
        (
            "GET",
            "/v1/snapshot",
            None,
            schema("Snapshot", schema_of::<Snapshot>()),
        ),
        (
            "POST",
            "/v1/changesets",
            Some(schema("ChangeSet", schema_of::<ChangeSet>())),
            schema("ApplyOutcome", schema_of::<ApplyOutcome>()),
        ),
        (
            "GET",
            "/v1/prompts",
            None,
            schema("PromptList", schema_of::<PromptList>()),
        ),
        (
            "GET",
            "/v1/prompts/{name}",
            None,
            schema("ActivePrompt", schema_of::<ActivePrompt>()),
        ),
        (
            "GET",
            "/v1/history",
            None,
            json!({"type": "array", "items": schema("AuditEntry", schema_of::<AuditEntry>())}),
        ),
        (
            "GET",
            "/v1/models",
            None,
            json!({"type": "array", "items": schema("CatalogEntry", schema_of::<CatalogEntryV1>())}),
        ),
        (
            "POST",
            "/v1/restore",
            Some(schema("RestoreRequest", schema_of::<RestoreRequest>())),
            schema("RestoreResponse", schema_of::<RestoreResponse>()),
        ),
    ];
    let mut paths = Map::new();
    for route in routes() {
        let (_, _, request, response) = bodies
            .iter()
            .find(|(method, path, ..)| *method == route.method.as_str() && *path == route.path)
            .unwrap_or_else(|| unreachable!("no OpenAPI body for {} {}", route.method, route.path));
        let mut responses = Map::new();
        responses.insert(
            "200".to_owned(),
            json!({"description": "OK", "content": {"application/json": {"schema": response}}}),
        );
        let error_response = |description: &str| json!({"description": description, "content": {"application/json": {"schema": error.clone()}}});
        if route.role.is_some() {
            responses.insert(
                "401".to_owned(),
                error_response("No or unknown bearer token"),
            );
            responses.insert(
                "403".to_owned(),
                error_response("The token's role is not enough"),
            );
        }
        if route.method == axum::http::Method::POST {
            responses.insert("400".to_owned(), error_response("Malformed JSON"));
            responses.insert("409".to_owned(), error_response("A precondition failed (`conflict`, with `conflicts`), the change set is for another store (`wrong_store`), or the store is not empty (`not_empty`)"));
            responses.insert("413".to_owned(), error_response("The body is too large"));
            responses.insert(
                "422".to_owned(),
                error_response("A row without ai_model, or a model outside the catalog"),
            );
        }
        if route.path == "/v1/prompts/{name}" {
            responses.insert(
                "304".to_owned(),
                json!({"description": "Not modified (If-None-Match matched the ETag)"}),
            );
            responses.insert(
                "404".to_owned(),
                error_response("No active production prompt of that name"),
            );
        }
        responses.insert(
            "503".to_owned(),
            error_response("The store is unavailable, or the request timed out"),
        );
        let mut operation = Map::new();
        operation.insert("summary".to_owned(), json!(route.summary));
        operation.insert(
            "operationId".to_owned(),
            json!(operation_id(route.method.as_str(), route.path)),
        );
        operation.insert(
            "security".to_owned(),
            match route.role {
                Some(role) => json!([{ "bearer": [role.as_str()] }]),
                None => json!([]),
            },
        );
        if let Some(request) = request {
            operation.insert(
                "requestBody".to_owned(),
                json!({"required": true, "content": {"application/json": {"schema": request}}}),
            );
        }
        let mut parameters = Vec::new();
        if route.path.contains("{name}") {
            parameters.push(json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}));
            parameters.push(json!({"name": "If-None-Match", "in": "header", "required": false, "schema": {"type": "string"}}));
        }
        if route.path == "/v1/history" {
            parameters.push(json!({"name": "name", "in": "query", "required": false, "schema": {"type": "string"}}));
            parameters.push(json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}}));
        }
        if route.path == "/v1/changesets" {
            parameters.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string"}}));
        }
        if !parameters.is_empty() {
            operation.insert("parameters".to_owned(), Value::Array(parameters));
        }
        operation.insert("responses".to_owned(), Value::Object(responses));
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_ascii_lowercase()] = Value::Object(operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "promptctl store API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The live prompt store served by `promptctl serve`. Tokens have the role `read` (GET) or `admin` (also POST)."
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        },
        "security": [{ "bearer": [Role::Read.as_str()] }]
    })
}

fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split('/')
        .filter(|w| !w.is_empty() && *w != "v1")
        .map(|w| w.trim_matches(|c| c == '{' || c == '}'))
        .collect();
    format!("{}_{}", method.to_ascii_lowercase(), words.join("_"))
}

/// A type's schema, with its definitions moved under the component and `$ref`s pointing there.
fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::openapi3()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut value = generator.into_root_schema_for::<T>().to_value();
    if let Value::Object(map) = &mut value {
        map.remove("$schema");
    }
    value
}
