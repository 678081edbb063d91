//! Python's float `repr` and `str.format` for the values Keras callbacks print and put in
//! file names (`"model_{epoch:02d}-{val_loss:.2f}.weights.h5"`).

use keras_backend::{bail, Result};

/// Python's `repr(float)`: the shortest round-trip digits, `1.0` for integral values,
/// exponent form below 1e-4 and from 1e16 (`1e-07`, `1.5e+16`), `nan`, `inf`.
///
/// ```
/// use keras::callbacks::py_float_repr;
/// assert_eq!(py_float_repr(1.0), "1.0");
/// assert_eq!(py_float_repr(0.1), "0.1");
/// assert_eq!(py_float_repr(1e-7), "1e-07");
/// assert_eq!(py_float_repr(f64::NAN), "nan");
/// ```
pub fn py_float_repr(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    // `{:e}` gives the shortest round-trip digits: "-1.5e-7".
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp >= 0 {
            if n <= exp + 1 {
                format!("{digits}{}.0", "0".repeat((exp + 1 - n) as usize))
            } else {
                let (a, b) = digits.split_at((exp + 1) as usize);
                format!("{a}.{b}")
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{s}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{es}{:02}", exp.abs())
    }
}

/// A value for [`py_format`]: an `int` (epoch, batch) or a `float` (a log value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum PyValue {
    Int(i64),
    Float(f64),
}

/// Python's `str.format` with named fields (`{name}`, `{name:spec}`, `{{`, `}}`), the
/// format specs being `[[fill]align][sign][0][width][.precision][type]` with types
/// `d`, `f`, `F`, `e`, `E`, `g`, `G`, `%` and none.
pub(crate) fn py_format(
    template: &str,
    lookup: impl Fn(&str) -> Option<PyValue>,
) -> Result<String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => field.push(c),
                        None => bail!("format", "unclosed '{{' in {template:?}"),
                    }
                }
                let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                let Some(value) = lookup(name) else {
                    bail!(
                        "format",
                        "no value for the field {{{name}}} of {template:?}"
                    );
                };
                out.push_str(
                    &format_value(value, spec)
                        .map_err(|e| e.context(format!("the field {{{field}}} of {template:?}")))?,
                );
            }
            '}' => bail!("format", "single '}}' encountered in {template:?}"),
            c => out.push(c),
        }
    }
    Ok(out)
}

struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    width: usize,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> Result<Spec> {
    let c: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        width: 0,
        precision: None,
        ty: None,
    };
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = c[0];
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        s.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        if s.align.is_none() {
            s.fill = '0';
            s.align = Some('=');
        }
        i += 1;
    }
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        s.width = c[start..i].iter().collect::<String>().parse().unwrap_or(0);
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let start = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            bail!("format", "format specifier missing precision");
        }
        s.precision = c[start..i].iter().collect::<String>().parse().ok();
    }
    if i < c.len() {
        s.ty = Some(c[i]);
        i += 1;
    }
    if i != c.len() {
        bail!("format", "invalid format specifier {spec:?}");
    }
    Ok(s)
}

/// Python's `%g`-style formatting with `p` significant digits (trailing zeros removed).
fn general(v: f64, p: usize, upper: bool) -> String {
    let p = p.max(1);
    if v == 0.0 {
        return "0".into();
    }
    let sci = format!("{:.*e}", p - 1, v);
    let exp: i32 = sci
        .split_once('e')
        .map_or(0, |(_, e)| e.parse().unwrap_or(0));
    let strip = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if (-4..p as i32).contains(&exp) {
        strip(format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, v))
    } else {
        let (m, _) = sci.split_once('e').unwrap_or((&sci, ""));
        let e = if upper { 'E' } else { 'e' };
        format!(
            "{}{e}{}{:02}",
            strip(m.to_string()),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

fn exp_form(v: f64, p: usize, upper: bool) -> String {
    let sci = format!("{:.*e}", p, v);
    let (m, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    format!("{m}{e}{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn format_value(value: PyValue, spec: &str) -> Result<String> {
    let s = parse_spec(spec)?;
    let (negative, body) = match (value, s.ty) {
        (PyValue::Int(i), None | Some('d')) => (i < 0, i.unsigned_abs().to_string()),
        (PyValue::Float(_), Some('d')) => {
            bail!(
                "format",
                "Unknown format code 'd' for object of type 'float'"
            )
        }
        (v, ty) => {
            let f = match v {
                PyValue::Int(i) => i as f64,
                PyValue::Float(f) => f,
            };
            let a = f.abs();
            let body = if !a.is_finite() {
                let t = if a.is_nan() { "nan" } else { "inf" };
                if matches!(ty, Some('F' | 'E' | 'G')) {
                    t.to_uppercase()
                } else {
                    t.to_string()
                }
            } else {
                match ty {
                    None if s.precision.is_none() => match v {
                        PyValue::Int(i) => i.unsigned_abs().to_string(),
                        PyValue::Float(_) => py_float_repr(a),
                    },
                    None => general(a, s.precision.unwrap_or(6), false),
                    Some('f' | 'F') => format!("{:.*}", s.precision.unwrap_or(6), a),
                    Some('e') => exp_form(a, s.precision.unwrap_or(6), false),
                    Some('E') => exp_form(a, s.precision.unwrap_or(6), true),
                    Some('g') => general(a, s.precision.unwrap_or(6), false),
                    Some('G') => general(a, s.precision.unwrap_or(6), true),
                    Some('%') => format!("{:.*}%", s.precision.unwrap_or(6), a * 100.0),
                    Some(t) => bail!("format", "unsupported format code {t:?}"),
                }
            };
            (f.is_sign_negative() && !f.is_nan(), body)
        }
    };
    let sign = match (negative, s.sign) {
        (true, _) => "-",
        (false, '+') => "+",
        (false, ' ') => " ",
        _ => "",
    };
    let len = sign.chars().count() + body.chars().count();
    let pad = s.width.saturating_sub(len);
    let fill = |n: usize| s.fill.to_string().repeat(n);
    // Numbers align right by default.
    Ok(match s.align.unwrap_or('>') {
        '<' => format!("{sign}{body}{}", fill(pad)),
        '^' => format!("{}{sign}{body}{}", fill(pad / 2), fill(pad - pad / 2)),
        '=' => format!("{sign}{}{body}", fill(pad)),
        _ => format!("{}{sign}{body}", fill(pad)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(t: &str, vals: &[(&str, PyValue)]) -> String {
        py_format(t, |k| vals.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)).unwrap()
    }

    #[test]
    fn python_reprs() {
        for (v, s) in [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (1.5983806848526, "1.5983806848526"),
            (1e-5, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789012345.0, "123456789012345.0"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(py_float_repr(v), s, "{v}");
        }
    }

    #[test]
    fn python_format_specs() {
        use PyValue::*;
        assert_eq!(
            f(
                "m_{epoch:02d}-{val_loss:.2f}.weights.h5",
                &[("epoch", Int(3)), ("val_loss", Float(0.12567))]
            ),
            "m_03-0.13.weights.h5"
        );
        assert_eq!(f("{epoch}", &[("epoch", Int(12))]), "12");
        assert_eq!(f("{loss}", &[("loss", Float(0.25))]), "0.25");
        assert_eq!(f("{loss:.3e}", &[("loss", Float(12345.0))]), "1.234e+04");
        assert_eq!(f("{loss:g}", &[("loss", Float(0.0001234))]), "0.0001234");
        assert_eq!(f("{loss:.3g}", &[("loss", Float(1234567.0))]), "1.23e+06");
        assert_eq!(
            f("{a:>5d}|{a:<5d}|{a:^5d}", &[("a", Int(7))]),
            "    7|7    |  7  "
        );
        assert_eq!(f("{a:+.1f}", &[("a", Float(2.0))]), "+2.0");
        assert_eq!(f("{a:.1%}", &[("a", Float(0.5))]), "50.0%");
        assert_eq!(f("{{x}}", &[]), "{x}");
        assert!(py_format("{missing}", |_| None).is_err());
        assert!(py_format("{loss:02d}", |_| Some(Float(1.0))).is_err());
        assert!(py_format("{loss", |_| Some(Float(1.0))).is_err());
    }
}
