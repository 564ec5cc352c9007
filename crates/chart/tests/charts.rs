//! The public contract of every chart: well-formed, accessible, escaped,
//! one mark per series or bar, and a clear chart when there is no data.

use hirundo_chart::{bar_chart, line_chart, sparkline, Bar, BarChart, LineChart, Series};
use proptest::prelude::*;

const HOSTILE: &str = "</svg><script>alert('x')</script>&\"";
const DAY: i64 = 86_400;
const JAN_1_2026: i64 = 20_454 * DAY;

/// Checks that tags nest and close, and returns the element names in
/// document order: enough to see that no label escaped into markup.
fn elements(svg: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("an unclosed tag");
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        // Attribute values never hold a raw '<' or '>' once escaped.
        assert!(!tag.contains('<'), "raw '<' inside <{tag}>");
        if !tag.ends_with('/') {
            stack.push(name.clone());
        }
        names.push(name);
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    names
}

fn count(names: &[String], name: &str) -> usize {
    names.iter().filter(|n| *n == name).count()
}

fn series(label: &str, values: &[f64]) -> Series {
    Series {
        label: label.to_string(),
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| (JAN_1_2026 + i as i64 * DAY, v))
            .collect(),
    }
}

fn line(series: Vec<Series>) -> LineChart {
    LineChart {
        title: "Top 5 destination ports".to_string(),
        y_label: "packets per sensor per day".to_string(),
        series,
        width: 720,
        height: 320,
    }
}

fn bars(values: &[f64]) -> BarChart {
    BarChart {
        title: "Mirai-like sources by region".to_string(),
        x_label: "sources".to_string(),
        bars: values
            .iter()
            .enumerate()
            .map(|(i, &value)| Bar {
                label: format!("R{i}"),
                value,
                note: None,
            })
            .collect(),
        width: 600,
        height: 300,
    }
}

#[test]
fn line_chart_has_one_path_per_series() {
    let svg = line_chart(&line(vec![
        series("23/tcp", &[120.0, 130.5, 90.0, 160.0]),
        series("445/tcp", &[60.0, 65.0, 70.0, 72.0]),
        series("8728/tcp", &[1.0, 2.0, 400.0, 380.0]),
    ]));
    let names = elements(&svg);
    assert_eq!(names[0], "svg");
    assert_eq!(count(&names, "svg"), 1);
    assert_eq!(count(&names, "path"), 3);
    assert_eq!(
        count(&names, "title"),
        1 + 3,
        "the chart's and one per series"
    );
    assert_eq!(count(&names, "script"), 0);
}

#[test]
fn bar_chart_has_one_rect_per_bar() {
    let svg = bar_chart(&bars(&[530.0, 410.0, 120.0, 75.0, 3.0]));
    let names = elements(&svg);
    assert_eq!(count(&names, "rect"), 5);
    assert_eq!(count(&names, "path"), 0);
}

#[test]
fn every_chart_is_an_accessible_scalable_image() {
    let charts = [
        line_chart(&line(vec![series("a", &[1.0, 2.0])])),
        line_chart(&line(vec![])),
        bar_chart(&bars(&[1.0])),
        bar_chart(&bars(&[])),
        sparkline(&[1.0, 3.0, 2.0], 80, 16),
        sparkline(&[], 80, 16),
    ];
    for svg in charts {
        let root = &svg[..svg.find('>').unwrap()];
        assert!(root.contains(r#"role="img""#), "{root}");
        assert!(root.contains(r#"aria-label=""#), "{root}");
        assert!(root.contains(r#"viewBox="0 0 "#), "{root}");
        assert!(root.contains(r#"class="hirundo-chart "#), "{root}");
        assert!(!svg.contains("<script") && !svg.contains("href"));
        elements(&svg);
    }
}

#[test]
fn hostile_labels_are_escaped_everywhere() {
    let mut chart = line(vec![series(HOSTILE, &[1.0, 2.0])]);
    chart.title = HOSTILE.to_string();
    chart.y_label = HOSTILE.to_string();
    let svg = line_chart(&chart);
    assert_eq!(count(&elements(&svg), "script"), 0);
    assert!(svg.contains("&lt;/svg&gt;&lt;script&gt;"));
    assert_eq!(svg.matches("</svg>").count(), 1);

    let mut chart = bars(&[3.0]);
    chart.title = HOSTILE.to_string();
    chart.x_label = HOSTILE.to_string();
    chart.bars[0].label = HOSTILE.to_string();
    chart.bars[0].note = Some(HOSTILE.to_string());
    let svg = bar_chart(&chart);
    assert_eq!(count(&elements(&svg), "script"), 0);
    assert_eq!(svg.matches("</svg>").count(), 1);

    let svg = line_chart(&line(vec![]));
    assert!(svg.contains("No data for this period"));
}

#[test]
fn empty_and_all_nan_inputs_give_a_no_data_chart() {
    for chart in [
        line(vec![]),
        line(vec![series("a", &[])]),
        line(vec![
            series("a", &[f64::NAN]),
            series("b", &[f64::INFINITY]),
        ]),
    ] {
        let svg = line_chart(&chart);
        assert!(svg.contains("No data for this period"), "{svg}");
        assert!(svg.contains("hirundo-no-data"));
        assert_eq!(count(&elements(&svg), "path"), 0);
    }
    let svg = bar_chart(&bars(&[f64::NAN]));
    assert!(svg.contains("No data for this period"));
    assert_eq!(count(&elements(&svg), "rect"), 0);
}

#[test]
fn zero_sized_requests_are_enlarged_not_broken() {
    let mut chart = line(vec![series("a", &[1.0, 2.0])]);
    chart.width = 0;
    chart.height = 0;
    let svg = line_chart(&chart);
    assert!(svg.contains(r#"viewBox="0 0 240 160""#));
    elements(&svg);
}

proptest! {
    #[test]
    fn any_line_chart_is_well_formed(
        data in prop::collection::vec(
            (prop::collection::vec((any::<i64>(), any::<f64>()), 0..20), ".{0,12}"),
            0..6,
        ),
        width in 0u32..2000, height in 0u32..2000,
    ) {
        let series: Vec<Series> = data
            .into_iter()
            .map(|(points, label)| Series { label, points })
            .collect();
        let with_data = series.iter().filter(|s| s.points.iter().any(|p| p.1.is_finite())).count();
        let svg = line_chart(&LineChart {
            title: "t".to_string(), y_label: String::new(), series, width, height,
        });
        let names = elements(&svg);
        prop_assert_eq!(count(&names, "path"), with_data);
        prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn any_bar_chart_is_well_formed(
        values in prop::collection::vec(any::<f64>(), 0..12), width in 0u32..2000, height in 0u32..2000,
    ) {
        let mut chart = bars(&values);
        chart.width = width;
        chart.height = height;
        let svg = bar_chart(&chart);
        let finite = values.iter().filter(|v| v.is_finite()).count();
        prop_assert_eq!(count(&elements(&svg), "rect"), finite);
        prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn any_sparkline_is_well_formed(values in prop::collection::vec(any::<f64>(), 0..50)) {
        let svg = sparkline(&values, 100, 20);
        elements(&svg);
        prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
