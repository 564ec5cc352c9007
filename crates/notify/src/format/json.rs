//! JSON written in an order chosen here rather than by `serde_json`'s
//! map, whose order depends on a Cargo feature (`preserve_order`) that any
//! crate in a build can switch on. Objects we build keep the order their
//! fields were pushed in; objects we are handed (the TLP marking
//! definition) are written with their keys sorted. Either way the same
//! notice gives the same bytes in every build.

use serde_json::Value;

/// A JSON object whose fields are written in the order they were pushed.
#[derive(Debug, Default)]
pub struct Obj {
    fields: Vec<(&'static str, Value)>,
}

impl Obj {
    pub fn new() -> Self {
        Obj::default()
    }

    pub fn field(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((key, value.into()));
        self
    }

    /// The field only when there is a value: absent, not `null`, as
    /// IntelMQ and STIX both expect of an unknown.
    pub fn opt(self, key: &'static str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.field(key, v),
            None => self,
        }
    }

    /// Compact JSON on one line.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 * self.fields.len());
        out.push('{');
        for (i, (key, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(&mut out, key);
            out.push(':');
            write_value(&mut out, value);
        }
        out.push('}');
        out
    }
}

/// `value` as compact JSON with every object's keys sorted.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_value(out, v);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        // Scalars have one compact spelling whatever the features.
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push_str(&Value::from(s).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn fields_keep_their_order_and_absent_ones_are_skipped() {
        let text = Obj::new()
            .field("z", 1)
            .opt("gone", None::<u32>)
            .field("a", "x\"y\n")
            .field("m", 100.0)
            .opt("n", Some(vec!["a", "b"]))
            .to_json();
        assert_eq!(text, r#"{"z":1,"a":"x\"y\n","m":100.0,"n":["a","b"]}"#);
    }

    #[test]
    fn handed_objects_are_sorted_at_every_depth() {
        let v = json!({"b": {"y": 1, "x": [ {"q": 2, "p": 1} ]}, "a": null});
        assert_eq!(
            canonical(&v),
            r#"{"a":null,"b":{"x":[{"p":1,"q":2}],"y":1}}"#
        );
    }

    proptest! {
        #[test]
        fn any_strings_round_trip(key in "\\PC{0,8}", value in ".{0,40}") {
            let text = Obj::new().field("k", value.clone()).to_json();
            let back: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back["k"], &Value::from(value));
            let handed = json!({ key.clone(): 1 });
            let back: Value = serde_json::from_str(&canonical(&handed)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, handed);
        }
    }
}
