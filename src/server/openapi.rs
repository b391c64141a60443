//! `schemas/openapi.json`: the API as OpenAPI 3.1, made from the same route table the router
//! is made from (paths, methods, roles) and from the frozen v1 types the handlers send and
//! read, with JSON Schema 2020-12 (`"type": ["integer", "null"]`, never 3.0's `nullable`), so
//! a strict validator accepts every live answer. Every status the server sends is listed.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use super::{Role, Route, routes};
use crate::formats::export_v1::ExportV1;
use crate::formats::http_v1::{
    ActivePromptV1, ApplyOutcomeV1, AuditEntryV1, ChangeSetV1, ErrorBodyV1, HealthV1, ModelV1,
    PromptListV1, PublishedRulesV1, RestoreRequestV1, RestoreResponseV1, SnapshotV1, WatchEventV1,
};

/// What a route reads and answers, beyond its path and role.
struct Operation {
    request: Option<Value>,
    response: Value,
    /// Error statuses particular to the route, with what they mean.
    errors: Vec<(&'static str, &'static str)>,
    /// `ETag`/`If-None-Match`: a 304 without a body.
    etag: bool,
    parameters: Vec<Value>,
    links: Value,
    /// The answer is `text/event-stream` (Server-Sent Events), not JSON.
    event_stream: bool,
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for route in routes() {
        let operation = operation(&route, &mut generator);
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_ascii_lowercase()] =
            described(&route, operation, &mut generator);
    }
    let schemas = generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "promptctl store API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The live prompt store served by `promptctl serve`. Tokens have the role `read` (GET) or `admin` (also POST); `/healthz` needs none. Bodies are version 1, frozen: fields are never renamed or removed under `/v1/`."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token made with `promptctl token new`; its role is `read` or `admin`."
                }
            }
        }
    })
}

/// The operation object of a route.
fn described(route: &Route, operation: Operation, generator: &mut SchemaGenerator) -> Value {
    let error = generator.subschema_for::<ErrorBodyV1>();
    let error_response = |description: &str| json!({"description": description, "content": {"application/json": {"schema": error.clone()}}});
    let mut responses = Map::new();
    let mut ok = if operation.event_stream {
        json!({"description": "OK: an event stream that stays open", "content": {"text/event-stream": {"schema": operation.response}}})
    } else {
        json!({"description": "OK", "content": {"application/json": {"schema": operation.response}}})
    };
    if operation.etag {
        ok["headers"] = json!({"ETag": {"description": "Changes when the answer does", "schema": {"type": "string"}}});
        responses.insert(
            "304".to_owned(),
            json!({"description": "Not modified: If-None-Match matched the ETag"}),
        );
    }
    if operation.links != json!({}) {
        ok["links"] = operation.links;
    }
    responses.insert("200".to_owned(), ok);
    if let Some(role) = route.role {
        responses.insert(
            "401".to_owned(),
            error_response("No bearer token, or an unknown one (`unauthorized`)"),
        );
        if role == Role::Admin {
            responses.insert(
                "403".to_owned(),
                error_response("The token's role is `read`; this needs `admin` (`forbidden`)"),
            );
        }
    }
    for (status, description) in operation.errors {
        responses.insert(status.to_owned(), error_response(description));
    }
    responses.insert(
        "421".to_owned(),
        error_response("A server without auth (`--insecure-no-auth`) answers only requests whose Host is localhost, 127.0.0.1 or [::1] (`wrong_host`)"),
    );
    responses.insert(
        "500".to_owned(),
        error_response("A bug (`internal`), or a write whose commit the store did not confirm (`outcome_unknown`: it may or may not have been applied)"),
    );
    responses.insert(
        "503".to_owned(),
        error_response("The store is unavailable (`unavailable`), or the request took too long (`timeout`; for a write `outcome_unknown`: retry with the same Idempotency-Key)"),
    );
    let mut object = Map::new();
    object.insert("summary".to_owned(), json!(route.summary));
    object.insert(
        "operationId".to_owned(),
        json!(operation_id(route.method.as_str(), route.path)),
    );
    object.insert(
        "security".to_owned(),
        match route.role {
            Some(role) => json!([{ "bearer": [role.as_str()] }]),
            None => json!([]),
        },
    );
    if let Some(request) = operation.request {
        object.insert(
            "requestBody".to_owned(),
            json!({"required": true, "content": {"application/json": {"schema": request}}}),
        );
    }
    if !operation.parameters.is_empty() {
        object.insert("parameters".to_owned(), Value::Array(operation.parameters));
    }
    object.insert("responses".to_owned(), Value::Object(responses));
    Value::Object(object)
}

/// Bodies, parameters and errors of each route.
fn operation(route: &Route, generator: &mut SchemaGenerator) -> Operation {
    let mut schema = |of: fn(&mut SchemaGenerator) -> schemars::Schema| of(generator).to_value();
    let none = || Operation {
        request: None,
        response: Value::Null,
        errors: Vec::new(),
        etag: false,
        parameters: Vec::new(),
        links: json!({}),
        event_stream: false,
    };
    let header = |name: &str, description: &str| json!({"name": name, "in": "header", "required": false, "description": description, "schema": {"type": "string"}});
    let writes = vec![
        (
            "400",
            "Malformed JSON, an unknown field, or a bad Idempotency-Key (`bad_request`)",
        ),
        (
            "409",
            "A precondition failed (`conflict`, with `conflicts`), the change set is for another store (`wrong_store`), or the store is not empty (`not_empty`)",
        ),
        (
            "413",
            "The body is larger than the server accepts (`payload_too_large`)",
        ),
        (
            "415",
            "The body is not declared JSON: send `Content-Type: application/json` (`unsupported_media_type`)",
        ),
        (
            "422",
            "A write the rules of record refuse, every problem named with its op or row, field and rule (`refused`, with `refusals`: a model outside the catalog or retired, a limit the model does not accept, a template validate refuses, a mandatory policy), a body that does not read as one, or an Idempotency-Key already used for a different body (`unprocessable`)",
        ),
    ];
    let idempotency = json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "A retry with a key already applied returns the first outcome instead of applying again; the key is bound to the body, and reusing it for another body is refused (422)",
        "schema": {"type": "string", "minLength": 1, "maxLength": 1024, "pattern": "^[ -~]*[!-~][ -~]*$"}
    });
    match (route.method.as_str(), route.path) {
        ("GET", "/healthz") => Operation {
            response: schema(|g| g.subschema_for::<HealthV1>()),
            ..none()
        },
        ("GET", "/v1/snapshot") => Operation {
            response: schema(|g| g.subschema_for::<SnapshotV1<'static>>()),
            ..none()
        },
        ("POST", "/v1/changesets") => Operation {
            request: Some(schema(|g| g.subschema_for::<ChangeSetV1>())),
            response: schema(|g| g.subschema_for::<ApplyOutcomeV1>()),
            errors: writes,
            parameters: vec![idempotency],
            links: json!({"ReadHistory": {"operationId": "get_history", "description": "The audit entries the change set wrote"}}),
            ..none()
        },
        ("GET", "/v1/prompts") => Operation {
            response: schema(|g| g.subschema_for::<PromptListV1>()),
            etag: true,
            parameters: vec![header("If-None-Match", "An ETag from an earlier answer")],
            links: json!({"GetPrompt": {
                "operationId": "get_prompts_name",
                "parameters": {"name": "$response.body#/prompts/0/prompt_name"},
                "description": "The first prompt of the list"
            }}),
            ..none()
        },
        ("GET", "/v1/prompts/{name}") => Operation {
            response: schema(|g| g.subschema_for::<ActivePromptV1>()),
            errors: vec![
                (
                    "404",
                    "No active production prompt of that name (`not_found`)",
                ),
                (
                    "400",
                    "A `subject` that is empty or over 1024 characters (`bad_request`)",
                ),
            ],
            etag: true,
            parameters: vec![
                json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}),
                json!({"name": "subject", "in": "query", "required": false, "description": "Whose request this is: on a prompt with a canary, the answer is the subject's arm (`variant`), the same on every request and replica", "schema": {"type": "string", "minLength": 1, "maxLength": 1024}}),
                header("If-None-Match", "An ETag from an earlier answer"),
            ],
            ..none()
        },
        ("GET", "/v1/watch") => Operation {
            // One event, modelled as OpenAPI models Server-Sent Events: an object of the
            // event's fields, the data a JSON text.
            response: schema(|g| {
                schemars::json_schema!({
                    "type": "object",
                    "description": "One event per revision, in order; a comment every 15 s keeps the connection open",
                    "required": ["event", "id", "data"],
                    "properties": {
                        "event": {"const": "revision"},
                        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The revision"},
                        "data": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "contentSchema": g.subschema_for::<WatchEventV1>(),
                        },
                    },
                })
            }),
            errors: vec![(
                "400",
                "`since` that is not a revision, a whole number from 0 to 2^53 − 1 (`bad_request`)",
            )],
            parameters: vec![
                json!({"name": "since", "in": "query", "required": false, "description": "Send the revisions after this one (default: from now on)", "schema": {"type": "integer", "minimum": 0, "maximum": crate::store::values::MAX_COUNTER}}),
                header(
                    "Last-Event-ID",
                    "The last revision received: a reconnecting client resumes after it (wins over `since`)",
                ),
            ],
            event_stream: true,
            ..none()
        },
        ("GET", "/v1/webhooks/deliveries") => Operation {
            response: json!({"type": "array", "items": schema(|g| g.subschema_for::<crate::formats::http_v1::WebhookDeliveryV1>())}),
            errors: vec![("501", "The store keeps no deliveries (`unsupported`)")],
            ..none()
        },
        ("GET", "/v1/usage") => Operation {
            response: schema(|g| g.subschema_for::<crate::formats::http_v1::UsageV1>()),
            ..none()
        },
        ("GET", "/v1/history") => Operation {
            response: json!({"type": "array", "items": schema(|g| g.subschema_for::<AuditEntryV1>())}),
            errors: vec![(
                "400",
                "A query parameter that does not parse, such as `limit=abc` (`bad_request`)",
            )],
            parameters: vec![
                json!({"name": "name", "in": "query", "required": false, "description": "Only this prompt", "schema": {"type": "string"}}),
                json!({"name": "limit", "in": "query", "required": false, "description": "At most this many entries, newest first (default 50, at most 10,000)", "schema": {"type": "integer", "minimum": 0}}),
            ],
            ..none()
        },
        ("GET", "/v1/rules") => Operation {
            response: schema(|g| g.subschema_for::<PublishedRulesV1>()),
            errors: vec![(
                "404",
                "No rules are published yet: the built-in catalog guards the store (`not_found`)",
            )],
            ..none()
        },
        ("GET", "/v1/models") => Operation {
            response: json!({"type": "array", "items": schema(|g| g.subschema_for::<ModelV1>())}),
            ..none()
        },
        ("POST", "/v1/restore") => Operation {
            request: Some(schema(|g| g.subschema_for::<RestoreRequestV1>())),
            response: schema(|g| g.subschema_for::<RestoreResponseV1>()),
            errors: writes,
            parameters: vec![idempotency],
            links: json!({"GetBackup": {
                "operationId": "get_backups_id",
                "parameters": {"id": "$response.body#/backup/id"},
                "description": "The rows the restore replaced"
            }}),
            ..none()
        },
        ("GET", "/v1/backups/{id}") => Operation {
            response: schema(|g| g.subschema_for::<ExportV1<'static>>()),
            errors: vec![("404", "No backup of that id (`not_found`)")],
            parameters: vec![
                json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
            ],
            ..none()
        },
        (method, path) => unreachable!("no OpenAPI operation for {method} {path}"),
    }
}

fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split('/')
        .filter(|w| !w.is_empty() && *w != "v1")
        .map(|w| w.trim_matches(|c| c == '{' || c == '}'))
        .collect();
    format!("{}_{}", method.to_ascii_lowercase(), words.join("_"))
}
