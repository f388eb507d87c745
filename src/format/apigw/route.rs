//! A route as API Gateway names it, with its parameters' names unified so that it is the
//! endpoint the ALB's templating gives: `/hospitals/{hospitalId}` → `/hospitals/{id}`.
//!
//! Depends only on `std`.

use std::borrow::Cow;

/// The parameter every route template is written with.
pub const PARAM: &str = "{id}";

/// `resource` with each `{name}` segment written `{id}`; None when a segment is greedy
/// (`{proxy+}`): the template then says nothing of the path, which is templated instead.
pub fn unify_params(resource: &str) -> Option<Cow<'_, str>> {
    if !resource.contains('{') {
        return Some(Cow::Borrowed(resource));
    }
    let mut out = String::with_capacity(resource.len());
    for (i, seg) in resource.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if name.ends_with('+') => return None,
            Some(_) => out.push_str(PARAM),
            None => out.push_str(seg),
        }
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_are_one_template() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/hospitals", Some("/hospitals")),
            ("/hospitals/{hospitalId}", Some("/hospitals/{id}")),
            ("/hospitals/{id}", Some("/hospitals/{id}")),
            (
                "/patients/{patientId}/notes/{noteId}",
                Some("/patients/{id}/notes/{id}"),
            ),
            ("/", Some("/")),
            ("/{proxy+}", None),
            ("/static/{path+}", None),
            // a brace inside a segment is not a parameter
            ("/a{b}c", Some("/a{b}c")),
        ];
        for (resource, want) in cases {
            assert_eq!(unify_params(resource).as_deref(), *want, "{resource}");
        }
    }
}
