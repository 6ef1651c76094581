//! Generates `generated/dispatch.rs`: decode → encode of any operation's
//! request body and success responses, chosen by the catalog's operation name.

use super::config::Module;
use super::emit::{HEADER, more_file, stem};
use super::items::{Generated, Item, Ty};
use std::collections::HashSet;
use std::fmt::Write;

/// Prints the dispatch module for the generated specs.
pub fn generate(specs: &[(&Module, &Generated)]) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "//! Decode → encode of any operation's bodies, by its catalog name.\n\
         //!\n\
         //! For every operation of [`crate::catalog::CATALOG`], the request body and each\n\
         //! documented 2xx response decode into the operation's generated type and encode\n\
         //! again; `gatehouse replay` compares the result with what was recorded. Lists\n\
         //! answered as a bare array or an envelope decode as [`crate::Page`]; bodies the\n\
         //! spec leaves untyped stay JSON values. The npm package does not use this module,\n\
         //! so none of it is linked into the wasm build.\n\n\
         use crate::DecodeError;\n\
         use serde_json::Value;\n\n\
         /// Decodes `bytes` as `T` and encodes it again (blank bytes are `null`).\n\
         ///\n\
         /// The bytes are parsed once as JSON and `T` is read from the value: this\n\
         /// instantiates each type's decoder only for the deserializer its fields\n\
         /// already use, which keeps the model's build time down.\n\
         fn rt<T: serde::Serialize + serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<Value, DecodeError> {\n    \
             let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b\"null\".as_slice() } else { bytes };\n    \
             let value: Value = crate::object::decode_slice(bytes)?;\n    \
             let typed: T = crate::object::decode_value(&value)?;\n    \
             serde_json::to_value(&typed).map_err(|e| DecodeError { path: \".\".into(), message: e.to_string() })\n\
         }\n\n",
    );

    let mut bodies = String::new();
    let mut responses = String::new();
    for (module, generated) in specs {
        let core: HashSet<&str> = generated.core.iter().map(Item::name).collect();
        let core_mod = stem(module.file).to_owned();
        let more_mod = stem(&more_file(module)).to_owned();
        let qualify = |name: &str| {
            let m = if core.contains(name) { &core_mod } else { &more_mod };
            format!("super::{m}::{name}")
        };
        let rust = |ty: &Ty| ty.rust_with(&qualify);
        for op in &generated.ops {
            if let Some(body) = &op.body {
                let _ = writeln!(bodies, "{:?} => rt::<{}>(bytes),", op.name, rust(body));
            }
            // Each documented status with its type; an undocumented 2xx takes the
            // first typed one (Auth0's statuses drift from the spec), and an
            // operation without any typed answer keeps what came as JSON.
            let typed: Vec<(u16, String)> =
                op.responses.iter().filter_map(|(s, ty)| ty.as_ref().map(|ty| (*s, rust(ty)))).collect();
            let fallback = typed.first().map_or_else(|| "Value".to_owned(), |(_, t)| t.clone());
            for (status, ty) in &typed {
                if *ty != fallback {
                    let _ = writeln!(responses, "({:?}, {status}) => rt::<{ty}>(bytes),", op.name);
                }
            }
            let _ = writeln!(responses, "({:?}, _) => rt::<{fallback}>(bytes),", op.name);
        }
    }
    let _ = write!(
        out,
        "/// Decodes a request body into the type of operation `name`'s body and encodes\n\
         /// it again. `None` when there is no such operation or it takes no body.\n\
         ///\n\
         /// `#[inline]`: the decoders and encoders of every type are instantiated in\n\
         /// the crate that calls this, not in the model, so crates that never do\n\
         /// (the client, the npm package, the BFF) do not compile them.\n\
         #[inline]\n\
         pub fn roundtrip_body(name: &str, bytes: &[u8]) -> Option<Result<Value, DecodeError>> {{\n    \
             Some(match name {{\n{bodies}_ => return None,\n}})\n}}\n\n\
         /// Decodes a success response of operation `name` into the type of its body for\n\
         /// `status` and encodes it again. `None` when there is no such operation or\n\
         /// `status` is not a success (error bodies are [`crate::ErrorBody`]'s).\n\
         /// `#[inline]` for the same reason as [`roundtrip_body`].\n\
         #[inline]\n\
         pub fn roundtrip_response(name: &str, status: u16, bytes: &[u8]) -> Option<Result<Value, DecodeError>> {{\n    \
             if !(200..300).contains(&status) {{\n        return None;\n    }}\n    \
             Some(match (name, status) {{\n{responses}_ => return None,\n}})\n}}\n"
    );
    out
}
