//! Views for people that are not a plan's (those are `plan::render`): pure text and Markdown
//! of what an operation returns. Nothing here decides anything.

pub mod cost;
pub mod status;
