//! The main crate's `src/format/apigw`: its fields, template compiler, JSON walker, line
//! parser, route templating and error causes.

#[path = "../../../../src/format/apigw/cause.rs"]
pub mod cause;
#[path = "../../../../src/format/apigw/fields.rs"]
pub mod fields;
#[path = "../../../../src/format/apigw/json.rs"]
pub mod json;
#[path = "../../../../src/format/apigw/parse.rs"]
pub mod parse;
#[path = "../../../../src/format/apigw/route.rs"]
pub mod route;
#[path = "../../../../src/format/apigw/template.rs"]
pub mod template;

pub use cause::{cause, Cause, Signals};
pub use fields::Field;
pub use parse::{parse_line, ApigwRecord};
pub use template::{Template, TemplateError};
