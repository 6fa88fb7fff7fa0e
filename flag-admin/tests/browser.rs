//! The pages in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) driven over
//! WebDriver by fantoccini. Logs in, filters the list, switches a dynamic flag through its confirmation,
//! sees the new state and the history entry, and has a second tab's stale form refused. Saves screenshots of
//! the list and of a flag's page under `target/flag-admin/`.
//!
//! Without a browser the test skips with a message, unless `CI=true`, where it fails.

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use flag_admin::{Admin, Auth};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const TOKEN: &str = "browser-test-token";

/// The browser's binaries, or why the test cannot run.
fn browser() -> Result<(), String> {
    for binary in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(binary).exists() {
            return Err(format!(
                "{binary} is missing: apt-get install chromium chromium-driver"
            ));
        }
    }
    Ok(())
}

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

async fn connect(driver: &Driver, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,1000", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

async fn serve() -> SocketAddr {
    support::serve(Admin::new(Auth::bearer(TOKEN)).environment("production")).await
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/flag-admin");
    std::fs::create_dir_all(&dir).expect("target/flag-admin");
    dir
}

async fn visible_rows(client: &Client) -> Vec<String> {
    let mut names = Vec::new();
    for row in client
        .find_all(Locator::Css("table.flags tbody tr"))
        .await
        .expect("rows")
    {
        if row.is_displayed().await.unwrap_or(false) {
            names.push(
                row.attr("data-name")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            );
        }
    }
    names
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .expect(css)
        .text()
        .await
        .expect("text")
}

/// Clicks the element at `css` once the page has it.
async fn click(client: &Client, css: &str) {
    let element = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .expect(css);
    element.click().await.expect("click");
}

async fn submit_switch(client: &Client, reason: &str) {
    let form = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form[action$='/switch']"))
        .await
        .expect("the switch form");
    form.find(Locator::Css("input[name=reason]"))
        .await
        .expect("reason")
        .send_keys(reason)
        .await
        .expect("typing");
    form.find(Locator::Css("button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_a_flag_in_a_real_browser() {
    if let Err(why) = browser() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI needs the browser: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let address = serve().await;
    let driver = start_driver();
    let profile = std::env::temp_dir().join(format!("flag-admin-chromium-{}", std::process::id()));
    let client = connect(&driver, &profile).await;
    let base = format!("http://{address}/admin/flags");

    // Without a session: the login form; with the token, the list.
    client.goto(&base).await.expect("goto");
    let login = client
        .wait()
        .for_element(Locator::Css("form.login"))
        .await
        .expect("the login form");
    login
        .find(Locator::Css("input[name=token]"))
        .await
        .expect("token")
        .send_keys(TOKEN)
        .await
        .expect("typing");
    login
        .find(Locator::Css("input[name=name]"))
        .await
        .expect("name")
        .send_keys("Ana")
        .await
        .expect("typing");
    login
        .find(Locator::Css("button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    client
        .wait()
        .for_element(Locator::Css("table.flags"))
        .await
        .expect("the list");
    assert!(text(&client, "header.topbar").await.contains("Ana (token)"));
    assert_eq!(
        text(&client, ".env-banner").await.to_lowercase(),
        "production"
    );
    let all = visible_rows(&client).await;
    assert!(all.len() >= 9, "{all:?}");

    // Filtering as one types, then by a select.
    client
        .find(Locator::Css("input[name=q]"))
        .await
        .expect("filter")
        .send_keys("browser")
        .await
        .expect("typing");
    assert_eq!(visible_rows(&client).await, ["browser_test"]);
    client
        .find(Locator::Css("input[name=q]"))
        .await
        .expect("filter")
        .clear()
        .await
        .expect("clear");
    client
        .find(Locator::Css("select[name=mode] option[value=static]"))
        .await
        .expect("option")
        .click()
        .await
        .expect("pick");
    assert_eq!(visible_rows(&client).await, ["beta_banner"]);
    client
        .find(Locator::Css("select[name=mode] option[value='']"))
        .await
        .expect("option")
        .click()
        .await
        .expect("pick");

    // Two tabs on the flag's page, both loaded at version 0.
    client
        .goto(&format!("{base}/flags/browser_test"))
        .await
        .expect("goto");
    let first = client.window().await.expect("this tab");
    let second = client.new_window(true).await.expect("a second tab").handle;
    client
        .switch_to_window(second.clone())
        .await
        .expect("switch tab");
    client
        .goto(&format!("{base}/flags/browser_test"))
        .await
        .expect("goto");
    client
        .wait()
        .for_element(Locator::Css("form[action$='/switch']"))
        .await
        .expect("the form");
    client
        .switch_to_window(first.clone())
        .await
        .expect("switch tab");

    // Switch on, through the confirmation.
    submit_switch(&client, "launch for the <b>beta</b> cohort").await;
    assert!(
        text(&client, ".confirm h1")
            .await
            .contains("Switch browser_test on?")
    );
    click(&client, ".confirm button[type=submit]").await;
    assert!(text(&client, ".notice").await.contains("version 1"));
    assert_eq!(text(&client, ".flag-head .pill").await.to_lowercase(), "on");
    let history = text(&client, "table.history tbody").await;
    assert!(
        history.contains("switch on")
            && history.contains("launch for the <b>beta</b> cohort")
            && history.contains("Ana (token)"),
        "{history}"
    );
    assert_eq!(flag_runtime::is_enabled("browser_test"), Ok(true));
    let flag_png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("flag.png"), flag_png).expect("flag.png");

    // The second tab's form is stale: refused, with the current value shown.
    client.switch_to_window(second).await.expect("switch tab");
    submit_switch(&client, "switch it on from the other tab").await;
    click(&client, ".confirm button[type=submit]").await;
    let refusal = text(&client, ".failure").await;
    assert!(
        refusal.contains("409") && refusal.contains("changed since this form was loaded"),
        "{refusal}"
    );
    assert!(
        refusal.contains("Now: ON") || refusal.contains("Now: on"),
        "{refusal}"
    );
    assert!(
        refusal.contains("launch for the <b>beta</b> cohort"),
        "the last change is shown: {refusal}"
    );
    let stale_png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("stale.png"), stale_png).expect("stale.png");

    // The list, with the change in its last column.
    client.goto(&base).await.expect("goto");
    client
        .wait()
        .for_element(Locator::Css("table.flags"))
        .await
        .expect("the list");
    assert!(
        text(&client, "tr[data-name=browser_test]")
            .await
            .contains("Ana (token)")
    );
    let list_png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("list.png"), list_png).expect("list.png");

    // Live states: a change made elsewhere (here, in the program) reaches the open list within seconds.
    flag_runtime::set("browser_test", false).expect("dynamic");
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(
            "tr[data-name=browser_test][data-state=off] .pill.off",
        ))
        .await
        .expect("the list shows the new state without a reload");

    client.close().await.expect("close the session");
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
}
