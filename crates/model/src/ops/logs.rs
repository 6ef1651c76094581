//! Log events: search and read.

use super::{list, path_only};

list! {
    /// `GET /api/v2/logs`: list or search log events.
    ///
    /// With `checkpoint.from` set to a log id, events after it come back as a
    /// bare array: the way to follow new events.
    List () {
        /// Lucene query on the log fields, such as `type:f AND user_id:"auth0|1"`.
        /// Auth0 takes it though its spec lists only `search`.
        q: String,
        /// The older search syntax the spec documents: `field:value` terms
        /// joined with AND, values without quotes matched as prefixes.
        search: String,
        /// Sort as `date:1` or `date:-1`.
        sort: String,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }
}

impl List {
    /// A search for `q`.
    pub fn search(q: impl Into<String>) -> Self {
        Self { q: Some(q.into()), ..Self::default() }
    }

    /// Events after log id `from`, oldest first, `take` at a time.
    pub fn after(from: impl Into<String>, take: u64) -> Self {
        Self { checkpoint: super::Checkpoint { from: Some(from.into()), take: Some(take) }, ..Self::default() }
    }
}

path_only! {
    /// `GET /api/v2/logs/{id}`: read one log event.
    Get(id);
}
