//! Request types, one per operation of the [table](crate::operation).
//!
//! Each type holds an operation's path parameters, query and body as plain
//! fields; [`crate::request::build`] turns it into an HTTP request. Fluent
//! builders that also send live in the client crate.

pub mod clients;
pub mod connections;
pub mod grants;
pub mod logs;
pub mod organizations;
pub mod resource_servers;
pub mod roles;
pub mod teams;
pub mod token;
pub mod users;

mod params;

pub use params::{Checkpoint, Offset, Query, QueryValue, check_paging, wire_name};

/// Declares a request type whose input is the path parameters and, where the
/// operation takes any, optional query fields (`Get(id) { fields: String }`).
macro_rules! path_only {
    ($(
        $(#[$meta:meta])* $name:ident ( $($field:ident),+ )
            $({ $( $(#[$qmeta:meta])* $q:ident : $qty:ty ),* $(,)? })? ;
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( #[doc = concat!("The `", stringify!($field), "` path parameter.")] pub $field: String, )+
            $($( $(#[$qmeta])* pub $q: Option<$qty>, )*)?
        }

        impl $name {
            /// A request for the object these parameters name.
            pub fn new($($field: impl Into<String>),+) -> Self {
                Self { $($field: $field.into(),)+ $($($q: None,)*)? }
            }
        }

        impl $crate::operation::Operation for $name {
            const QUERY: &'static [(&'static str, $crate::catalog::QueryKind)] = &[$($(
                ($crate::ops::wire_name(stringify!($q)), <$qty as $crate::ops::QueryValue>::KIND),
            )*)?];

            fn path_params(&self) -> Vec<&str> {
                vec![$(self.$field.as_str()),+]
            }

            $(
            fn query(&self) -> Vec<(&'static str, String)> {
                let mut q = $crate::ops::Query::default();
                $( q.opt($crate::ops::wire_name(stringify!($q)), &self.$q); )*
                q.into_pairs()
            }
            )?
        }
    )*};
}

/// Declares a request type that sends a body, with optional path parameters.
macro_rules! with_body {
    ($( $(#[$meta:meta])* $name:ident ( $($field:ident),* ) => $body:ty $(, validate $check:expr)?; )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( #[doc = concat!("The `", stringify!($field), "` path parameter.")] pub $field: String, )*
            /// The body sent.
            pub body: $body,
        }

        impl $name {
            /// A request sending `body`.
            pub fn new($($field: impl Into<String>,)* body: $body) -> Self {
                Self { $($field: $field.into(),)* body }
            }
        }

        impl $crate::operation::Operation for $name {
            fn path_params(&self) -> Vec<&str> {
                vec![$(self.$field.as_str()),*]
            }

            fn body(&self) -> Option<&Self::Body> {
                Some(&self.body)
            }

            $(
            fn validate(&self) -> Result<(), $crate::error::ValidationError> {
                #[allow(clippy::redundant_closure_call)]
                ($check)(&self.body)
            }
            )?
        }
    )*};
}

/// Declares a list request type: path parameters, paging and extra query fields.
macro_rules! list {
    ($(
        $(#[$meta:meta])* $name:ident ( $($field:ident),* ) {
            $( $(#[$qmeta:meta])* $q:ident : $qty:ty ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $( #[doc = concat!("The `", stringify!($field), "` path parameter.")] pub $field: String, )*
            /// Offset paging: `page`, `per_page`, `include_totals`.
            pub offset: $crate::ops::Offset,
            /// Checkpoint paging: `from`, `take` (where the operation offers it).
            pub checkpoint: $crate::ops::Checkpoint,
            $( $(#[$qmeta])* pub $q: Option<$qty>, )*
        }

        impl $name {
            /// A request for the first page, with the given path parameters.
            pub fn new($($field: impl Into<String>),*) -> Self {
                Self { $($field: $field.into(),)* ..Self::default() }
            }
        }

        impl $crate::operation::Operation for $name {
            const QUERY: &'static [(&'static str, $crate::catalog::QueryKind)] =
                &[$(($crate::ops::wire_name(stringify!($q)), <$qty as $crate::ops::QueryValue>::KIND),)*];

            fn path_params(&self) -> Vec<&str> {
                vec![$(self.$field.as_str()),*]
            }

            fn query(&self) -> Vec<(&'static str, String)> {
                let mut q = $crate::ops::Query::default();
                self.offset.write(&mut q);
                self.checkpoint.write(&mut q);
                $( q.opt($crate::ops::wire_name(stringify!($q)), &self.$q); )*
                q.into_pairs()
            }

            fn validate(&self) -> Result<(), $crate::error::ValidationError> {
                $crate::ops::params::check_paging(
                    <Self as $crate::operation::Endpoint>::ID.spec().paging,
                    &self.offset,
                    &self.checkpoint,
                )
            }
        }
    )*};
}

pub(crate) use {list, path_only, with_body};
