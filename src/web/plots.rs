//! Plots for the office's dashboard, drawn on the server as SVG (plotters): plain data in,
//! an SVG document out.

use plotters::prelude::*;

/// One slot of one site, as the plan predicts it.
pub struct SlotBar {
    /// `HH:MM`, the slot's start.
    pub label: String,
    pub planned: u32,
    pub capacity: u32,
    pub mean_wait_minutes: f64,
    pub p90_wait_minutes: f64,
    /// People waiting in the queue, 90th percentile.
    pub p90_queue: f64,
}

const BLUE_BAR: RGBColor = RGBColor(11, 99, 182);
const ORANGE: RGBColor = RGBColor(178, 94, 0);

/// People planned against capacity per slot (bars) with the predicted queue (line), and
/// the predicted wait below.
pub fn site_slots(title: &str, slots: &[SlotBar]) -> Result<String, String> {
    let mut svg = String::new();
    draw(&mut svg, title, slots).map_err(|e| format!("cannot draw the plot: {e}"))?;
    Ok(svg)
}

fn draw<'a>(
    svg: &'a mut String,
    title: &str,
    slots: &[SlotBar],
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, (640, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(260);
    let n = slots.len().max(1);
    let label = |x: &f64| {
        slots
            .get(x.floor().max(0.0) as usize)
            .map_or(String::new(), |s| s.label.clone())
    };
    let people = slots
        .iter()
        .map(|s| s.planned.max(s.capacity))
        .max()
        .unwrap_or(1)
        .max(1);
    let mut chart = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..n as f64, 0u32..people + people / 10 + 1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&label)
        .y_desc("people")
        .draw()?;
    chart
        .draw_series(slots.iter().enumerate().map(|(i, s)| {
            let x = i as f64;
            Rectangle::new([(x + 0.12, 0), (x + 0.88, s.planned)], BLUE_BAR.filled())
        }))?
        .label("planned")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], BLUE_BAR.filled()));
    chart
        .draw_series(slots.iter().enumerate().map(|(i, s)| {
            let x = i as f64;
            PathElement::new(
                vec![(x + 0.05, s.capacity), (x + 0.95, s.capacity)],
                BLACK.stroke_width(2),
            )
        }))?
        .label("capacity")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLACK.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            slots
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64 + 0.5, s.p90_queue.round().max(0.0) as u32)),
            ORANGE.stroke_width(2),
        ))?
        .label("p90 queue")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], ORANGE.stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;

    let wait = slots
        .iter()
        .map(|s| s.p90_wait_minutes)
        .fold(1.0f64, f64::max);
    let mut chart = ChartBuilder::on(&bottom)
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..n as f64, 0f64..wait * 1.1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&label)
        .y_desc("wait, min")
        .draw()?;
    let at = |i: usize| i as f64 + 0.5;
    chart
        .draw_series(LineSeries::new(
            slots
                .iter()
                .enumerate()
                .map(|(i, s)| (at(i), s.p90_wait_minutes)),
            ORANGE.stroke_width(2),
        ))?
        .label("p90 wait")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], ORANGE.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            slots
                .iter()
                .enumerate()
                .map(|(i, s)| (at(i), s.mean_wait_minutes)),
            ORANGE.mix(0.5).stroke_width(1),
        ))?
        .label("mean wait")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], ORANGE.mix(0.5)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_plot_is_an_svg_with_a_bar_per_slot() {
        let slots: Vec<SlotBar> = (0..4)
            .map(|i| SlotBar {
                label: format!("{:02}:00", 8 + i),
                planned: 40 + i,
                capacity: 50,
                mean_wait_minutes: 2.0,
                p90_wait_minutes: 5.0 + f64::from(i),
                p90_queue: 12.0,
            })
            .collect();
        let svg = site_slots("S01", &slots).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(
            svg.contains("S01")
                && svg.contains("10:00")
                && svg.contains("p90 wait")
                && svg.contains("p90 queue")
        );
        let bars = svg.matches(r##"fill="#0B63B6""##).count();
        assert!(bars >= 4, "{bars} bars");
    }
}
