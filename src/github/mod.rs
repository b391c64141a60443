//! GitHub: the pull-request comment that holds the plan ([`comment`], over GitHub's REST API),
//! and what a step inside GitHub Actions adds to a run ([`actions`]: the job summary and
//! file annotations).

pub mod actions;
pub mod comment;
