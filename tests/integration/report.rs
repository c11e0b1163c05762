//! The HTML report in the government's terms, running its own Monte Carlo.

use crate::util::{fiscalsim, scenario};

fn report(args: &[&str]) -> (Option<i32>, String, String) {
    let flagship = scenario("kazakhstan-2026-2028.toml");
    let out = fiscalsim()
        .arg("report")
        .arg(flagship)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn subtitle(html: &str) -> &str {
    let at = html.find("class=\"meta\">").expect("subtitle") + 13;
    &html[at..at + html[at..].find("</p>").unwrap()]
}

#[test]
fn report_runs_its_monte_carlo_and_its_subtitle_says_so() {
    let (code, html, err) = report(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(subtitle(&html).contains("Deterministic projections ("));
    assert!(!html.contains("id=\"uncertainty\""));
    let (code, html, err) = report(&["--draws", "300", "--seed", "5"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        subtitle(&html).contains("Monte Carlo quantiles of 300 draws (seed 5)"),
        "{}",
        subtitle(&html)
    );
    assert!(html.contains("id=\"uncertainty\"") && html.contains("Monte Carlo fan"));
    let (code, html, _) = report(&["--mc", "--draws", "200"]);
    assert_eq!(code, Some(0));
    assert!(subtitle(&html).contains("200 draws (seed 20260101)"));
    let (code, _, err) = report(&["--seed", "5"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--seed"), "{err}");
}

#[test]
fn report_states_the_budget_in_levels_and_as_a_share_of_budget_spending() {
    let (code, html, err) = report(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(html.contains("year, KZT trillion"), "levels table missing");
    assert!(html.contains("Growth spending, % of budget spending"));
    // the flagship's growth spending is 16.1 % of budget spending in every year
    let at = html.find("year, KZT trillion").unwrap();
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr>").skip(1).collect();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert!(r.contains("<td>16.1</td></tr>"), "{r}");
    }
    assert!(html.contains("Gross financing need</th>"));
    assert!(html.contains("The gross financing need is the deficit plus maturing debt"));
}
