//! The dashboard in a real browser: `hirundo demo` serves simulated
//! traffic, headless Chromium (driven over WebDriver by chromedriver)
//! finds every page shut without a session, logs in through the login
//! form, then opens every page and checks that it loaded, logged no
//! console error and drew its charts. A full-page screenshot of each goes
//! to a folder under the target directory, printed at the end, for a
//! person to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver`; says SKIPPED without
//! them, and fails under CI=true.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TEST: &str = "the_dashboard_works_in_a_real_browser";
/// Debian's element reference key (W3C WebDriver).
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Kills a child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let debian = Path::new("/usr/bin").join(name);
    if debian.is_file() {
        return Some(debian);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A WebDriver session.
struct Driver {
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Driver {
    fn request(
        agent: &ureq::Agent,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let request = agent.request(method, url);
        let answer = match body {
            Some(body) => request
                .set("content-type", "application/json")
                .send_string(&body.to_string()),
            None => request.call(),
        };
        let json: Value = match answer {
            Ok(r) => {
                let text = r.into_string().map_err(|e| e.to_string())?;
                serde_json::from_str(&text).map_err(|e| format!("{method} {url}: {e}"))?
            }
            Err(ureq::Error::Status(code, r)) => {
                return Err(format!(
                    "{method} {url}: {code}: {}",
                    r.into_string().unwrap_or_default()
                ))
            }
            Err(e) => return Err(format!("{method} {url}: {e}")),
        };
        Ok(json["value"].clone())
    }

    fn start(port: u16, chromium: &Path, profile: &Path) -> Driver {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Self::request(&agent, "GET", &format!("{base}/status"), None)
                .is_ok_and(|v| v["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium.to_str().unwrap(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let session = Self::request(
            &agent,
            "POST",
            &format!("{base}/session"),
            Some(capabilities),
        )
        .expect("a WebDriver session");
        Driver {
            session: session["sessionId"]
                .as_str()
                .expect("a session id")
                .to_string(),
            base,
            agent,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        Self::request(&self.agent, method, &url, body).unwrap_or_else(|e| panic!("{e}"))
    }

    fn goto(&self, url: &str) -> Duration {
        let start = Instant::now();
        self.call("POST", "/url", Some(json!({"url": url})));
        start.elapsed()
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn title(&self) -> String {
        self.call("GET", "/title", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map(|els| {
            els.iter()
                .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    }

    fn attribute(&self, element: &str, name: &str) -> String {
        self.call("GET", &format!("/element/{element}/attribute/{name}"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self
            .find_all(css)
            .pop()
            .unwrap_or_else(|| panic!("no {css}"));
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    fn click(&self, css: &str) {
        let element = self
            .find_all(css)
            .pop()
            .unwrap_or_else(|| panic!("no {css}"));
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// Console entries since the last call.
    fn console(&self) -> Vec<Value> {
        self.call("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The whole page, not only the window, as PNG.
    fn screenshot(&self, file: &Path) {
        let cdp = |cmd: &str, params: Value| {
            self.call(
                "POST",
                "/goog/cdp/execute",
                Some(json!({"cmd": cmd, "params": params})),
            )
        };
        let metrics = cdp("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().unwrap_or(1280.0).max(1280.0);
        let height = size["height"]
            .as_f64()
            .unwrap_or(1000.0)
            .clamp(200.0, 8000.0);
        let shot = cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
        );
        let png = base64(shot["data"].as_str().expect("screenshot data"));
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
        std::fs::write(file, png).expect("writing a screenshot");
    }

    fn quit(&self) {
        let _ = Self::request(
            &self.agent,
            "DELETE",
            &format!("{}/session/{}", self.base, self.session),
            None,
        );
    }
}

/// A failed assertion must not leave Chromium running: chromedriver
/// closes the browser only when its session is deleted.
impl Drop for Driver {
    fn drop(&mut self) {
        self.quit();
    }
}

/// Standard base64, as WebDriver sends screenshots.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &d)| acc | u32::from(d) << (18 - 6 * i));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

/// The path and query of a URL.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string())
}

/// "2026-03-10" of a day number.
fn date(day: i64) -> String {
    hirundo_summary::Timestamp::from_nanos(day * 86_400_000_000_000).to_string()[..10].to_string()
}

/// Starts the demo and returns it, its URL and the admin's password.
fn start_demo(data: &Path) -> (Running, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hirundo"))
        .args([
            "demo",
            "--packets",
            "40000",
            "--days",
            "7",
            "--port",
            "0",
            "--serve-seconds",
            "900",
            "--data",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("running hirundo demo");
    let stdout = child.stdout.take().unwrap();
    let demo = Running(child);
    let (mut url, mut password, mut text) = (None, None, String::new());
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if let Some(rest) = line.strip_prefix("Dashboard login: account admin, password ") {
            password = rest.split_whitespace().next().map(str::to_string);
        }
        if let Some(rest) = line.strip_prefix("Open ") {
            url = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    // The demo goes on printing: a closed pipe would end it.
    std::thread::spawn(move || lines.for_each(drop));
    match (url, password) {
        (Some(url), Some(password)) => (demo, url, password),
        _ => panic!("the demo printed no URL or password:\n{text}"),
    }
}

/// An alert in the demo's store, so that the alert pages have one to show
/// (detection itself is not part of the demo).
fn add_alert(data: &Path) -> i64 {
    use hirundo_store::{DayRange, SourceQuery, SqliteStore, Store};
    let store = SqliteStore::open(&data.join("hirundo.db")).expect("the demo's store");
    let source = store
        .top_sources(DayRange::ALL, &SourceQuery::default(), 1)
        .expect("top sources")
        .pop()
        .expect("a source");
    let start = source.last_ns - source.last_ns.rem_euclid(3_600_000_000_000);
    let hour = 3_600_000_000_000i64;
    let alert: hirundo_store::Alert = serde_json::from_value(json!({
        "id": 0,
        "subject": {"type": "port", "proto": "tcp", "port": 23},
        "kind": "surge", "grain": "hour", "status": "ongoing",
        "title": "Surge of scans to 23/tcp from BR, 37 sources",
        "started_ns": start, "last_ns": start + 2 * hour, "closed_ns": null,
        "packets": 4321, "sources": 37, "baseline": 120.0, "score": 9.5,
        "countries": ["BR"],
        "evidence": {
            "series": (0..12).map(|i| json!({
                "at_ns": start + (i - 8) * hour,
                "packets": if i >= 8 { 4000 + i * 30 } else { 100 + i * 7 },
                "sources": if i >= 8 { 37 } else { 4 },
            })).collect::<Vec<_>>(),
            "top_sources": [{"addr": source.source.to_string(), "cc": source.cc, "asn": source.asn,
                             "packets": source.packets, "tags": ["mirai"]}],
            "fingerprints": [["mirai", 30], ["zmap", 2], ["none", 5]],
        },
        "tlp": "TLP:AMBER",
    }))
    .expect("an alert record");
    store.save_alert(&alert).expect("saving the alert")
}

#[test]
fn the_dashboard_works_in_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (find_tool("chromium"), find_tool("chromedriver"))
    else {
        hirundo_testbed::skip(
            TEST,
            "chromium or chromedriver is missing: apt-get install -y chromium chromium-driver",
        );
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("collector");
    let (_demo, url, password) = start_demo(&data);
    let base = url.trim_end_matches('/').to_string();
    let alert = add_alert(&data);

    let port = free_port();
    let _driver_process = Running(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver"),
    );
    let driver = Driver::start(port, &chromium, &temp.path().join("profile"));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    // Without a session every page but the public one is the login.
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    let week = format!("{}..{}", date(today - 7), date(today - 1));
    let shut = [
        "/",
        "/sensors",
        "/alerts",
        &format!("/alerts/{alert}"),
        "/port/tcp/23",
        "/country/BR",
        "/reports",
        "/source/192.0.2.1",
        "/incidents",
        "/incidents/stats",
        "/directory",
        "/notifications",
    ];
    for page in shut {
        driver.goto(&format!("{base}{page}"));
        let landed = path_of(&driver.url());
        assert!(
            landed.starts_with("/login"),
            "{page} without a session landed on {landed}"
        );
    }
    driver.goto(&format!("{base}/public"));
    assert_eq!(path_of(&driver.url()), "/public");
    driver.goto(&format!("{base}/login?next=/sensors"));
    driver.screenshot(&shots.join("00-login.png"));
    let _ = driver.console();

    // Log in through the form.
    driver.type_into("#name", "admin");
    driver.type_into("#password", &password);
    driver.click("#login");
    let deadline = Instant::now() + Duration::from_secs(30);
    while path_of(&driver.url()) != "/sensors" {
        assert!(
            Instant::now() < deadline,
            "the login did not go on to /sensors: {}",
            driver.url()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Pages a user reaches, with the charts each must draw.
    driver.goto(&format!("{base}/port/tcp/23"));
    let source = driver
        .find_all("a[href^='/source/']")
        .first()
        .map(|e| driver.attribute(e, "href"))
        .expect("a source on the port page");
    driver.goto(&format!("{base}/"));
    let country = driver
        .find_all("#countries a[href^='/country/']")
        .first()
        .map(|e| driver.attribute(e, "href"))
        .expect("a region on the overview");
    let country = path_of(&country).split('?').next().unwrap().to_string();
    let _ = driver.console();
    let pages: Vec<(String, usize)> = vec![
        ("/".into(), 1),
        ("/?days=1".into(), 1),
        ("/?days=30&research=exclude".into(), 1),
        ("/port/tcp/23".into(), 1),
        (country, 1),
        (path_of(&source), 1),
        ("/sensors".into(), 1),
        ("/alerts".into(), 1),
        (format!("/alerts/{alert}"), 3),
        ("/reports".into(), 0),
        (format!("/reports?period={week}"), 0),
        (format!("/reports/view?period={week}"), 1),
        ("/incidents".into(), 0),
        ("/incidents/stats".into(), 5),
        ("/directory".into(), 0),
        ("/directory/route?ip=192.0.2.1".into(), 0),
        ("/notifications".into(), 0),
        ("/public".into(), 3),
    ];
    let mut timings = Vec::new();
    for (i, (page, charts)) in pages.iter().enumerate() {
        let took = driver.goto(&format!("{base}{page}"));
        timings.push((page.clone(), took));
        let title = driver.title();
        assert!(!title.is_empty(), "{page}: no title");
        assert!(
            !title.starts_with("4") && !title.starts_with("5"),
            "{page}: an error page: {title}"
        );
        assert_eq!(path_of(&driver.url()), *page, "{page} redirected");
        let severe: Vec<Value> = driver
            .console()
            .into_iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .collect();
        assert!(severe.is_empty(), "{page}: console errors {severe:?}");
        let svgs = driver.find_all("svg").len();
        assert!(svgs >= *charts, "{page}: {svgs} charts, want {charts}");
        let name: String = page
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        driver.screenshot(&shots.join(format!("{:02}{}.png", i + 1, name.trim_end_matches('-'))));
    }
    // A bad address gets a page that says so.
    driver.goto(&format!("{base}/port/tcp/99999"));
    assert!(driver.title().starts_with("400"), "{}", driver.title());
    driver.screenshot(&shots.join("99-bad-request.png"));

    // Log out: the pages are shut again.
    driver.goto(&format!("{base}/"));
    driver.click("header form button");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        path_of(&driver.url()).starts_with("/login"),
        "{}",
        driver.url()
    );
    driver.goto(&format!("{base}/sensors"));
    assert!(path_of(&driver.url()).starts_with("/login"));
    drop(driver);

    for (page, took) in &timings {
        eprintln!("{TEST}: {page}: {} ms", took.as_millis());
    }
    eprintln!("{TEST}: screenshots in {}", shots.display());
}
