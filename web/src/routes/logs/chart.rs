//! The sign-in chart: inline SVG, successes and failures per time bucket.

use crate::logic::chart::{Bucket, buckets, label};
use gatehouse_model::types::LogEvent;
use leptos::prelude::*;

const W: f64 = 720.0;
const H: f64 = 200.0;
const PAD_L: f64 = 36.0;
const PAD_B: f64 = 28.0;
const MAX_BUCKETS: i64 = 24;

/// A bar chart of sign-in successes (up) and failures, stacked per bucket.
#[component]
pub fn SigninChart(events: Vec<LogEvent>) -> impl IntoView {
    let (width, data) =
        buckets(events.iter().filter_map(|e| Some((e.date.as_deref()?, e.kind.as_ref()?.as_str()))), MAX_BUCKETS);
    if data.is_empty() {
        return view! { <p class="empty">"No sign-ins in these events."</p> }.into_any();
    }
    let (ok, failed): (u32, u32) = data.iter().fold((0, 0), |(a, b), x| (a + x.success, b + x.failure));
    let max = data.iter().map(|b| b.success + b.failure).max().unwrap_or(1).max(1) as f64;
    let slot = (W - PAD_L) / data.len() as f64;
    let bar = (slot * 0.7).max(2.0);
    let plot_h = H - PAD_B - 8.0;
    let summary = format!(
        "{ok} successful and {failed} failed sign-ins in the last {} events, from {} to {} UTC.",
        events.len(),
        label(data[0].start, width),
        label(data[data.len() - 1].start, width)
    );
    let every = (data.len() / 6).max(1);
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, b): (usize, &Bucket)| {
            let x = PAD_L + i as f64 * slot + (slot - bar) / 2.0;
            let hs = f64::from(b.success) / max * plot_h;
            let hf = f64::from(b.failure) / max * plot_h;
            let base = H - PAD_B;
            let tip = format!("{}: {} succeeded, {} failed", label(b.start, width), b.success, b.failure);
            let tick = (i % every == 0).then(|| {
                view! { <text x=format!("{:.1}", x + bar / 2.0) y=format!("{:.1}", H - 8.0) class="tick" text-anchor="middle">{label(b.start, width)}</text> }
            });
            view! {
                <g>
                    <title>{tip}</title>
                    <rect class="ok" x=format!("{x:.1}") y=format!("{:.1}", base - hs) width=format!("{bar:.1}") height=format!("{hs:.1}") />
                    <rect class="fail" x=format!("{x:.1}") y=format!("{:.1}", base - hs - hf) width=format!("{bar:.1}") height=format!("{hf:.1}") />
                    {tick}
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone() preserveAspectRatio="xMidYMid meet">
                <line class="axis" x1=PAD_L.to_string() y1=(H - PAD_B).to_string() x2=W.to_string() y2=(H - PAD_B).to_string() />
                <text x="4" y="14" class="tick">{format!("{max}")}</text>
                <text x="4" y=(H - PAD_B).to_string() class="tick">"0"</text>
                {bars}
            </svg>
            <figcaption>
                <span class="key ok">"■ Succeeded"</span>
                " "
                <span class="key fail">"■ Failed"</span>
                " — "
                {summary}
            </figcaption>
        </figure>
    }
    .into_any()
}
