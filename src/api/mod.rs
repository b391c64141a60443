//! The HTTP API's wire formats, shared by the server (`promptctl serve`), its client
//! ([`crate::store::http::HttpStore`]) and the files that hold the same values (exports,
//! saved plans). Each version is frozen once released.

pub mod v1;
