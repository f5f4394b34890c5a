//! Headless browser support: Debian's `chromium` driven through
//! `chromedriver` (WebDriver) on a loopback port.
//!
//! [`chromedriver`] starts a driver for one test and stops it, with every
//! browser it opened, when the returned guard drops. [`chromium_binary`] and
//! [`chrome_capabilities`] give the browser to ask it for. Both binaries come
//! from Debian's `chromium` and `chromium-driver` packages, which `.ci/run`
//! installs.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long chromedriver may take to answer `GET /status` after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to close its browsers and exit on drop.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The `chromedriver` binary: `CORDON_CHROMEDRIVER`, else
/// `/usr/bin/chromedriver`, else the first one on `PATH`; `None` (or a panic
/// under CI) when there is none.
pub fn chromedriver_binary() -> Option<PathBuf> {
    find_binary(
        "chromedriver",
        std::env::var_os("CORDON_CHROMEDRIVER"),
        &[Path::new("/usr/bin/chromedriver")],
        std::env::var_os("PATH"),
    )
    .map_or_else(|how| missing("chromedriver", &how), Some)
}

/// The Chromium browser binary: `CORDON_CHROMIUM`, else `/usr/bin/chromium`,
/// else the first `chromium` on `PATH`; `None` (or a panic under CI) when
/// there is none.
pub fn chromium_binary() -> Option<PathBuf> {
    find_binary(
        "chromium",
        std::env::var_os("CORDON_CHROMIUM"),
        &[Path::new("/usr/bin/chromium")],
        std::env::var_os("PATH"),
    )
    .map_or_else(|how| missing("chromium", &how), Some)
}

fn missing<T>(what: &str, how: &str) -> Option<T> {
    super::missing(what, how)
}

/// The WebDriver capabilities (a JSON object, as text) for a headless
/// Chromium at `chromium`, 1280×900, that runs as root in a container.
/// Parse it into the client's capabilities map, e.g. with `serde_json`.
pub fn chrome_capabilities(chromium: &Path) -> String {
    format!(
        concat!(
            r#"{{"browserName":"chrome","goog:chromeOptions":{{"binary":{},"#,
            r#""args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--window-size=1280,900"]}}}}"#
        ),
        json_string(&chromium.to_string_lossy())
    )
}

/// A running `chromedriver` on a free loopback port. Dropping it ends every
/// session (closing their browsers) and stops the driver.
#[derive(Debug)]
pub struct ChromeDriver {
    child: Child,
    port: u16,
}

/// Starts `chromedriver` on a free loopback port and waits until it is
/// ready for sessions. `None` (or a panic under CI) when the binary is
/// missing; a driver that is present but cannot start panics.
pub fn chromedriver() -> Option<ChromeDriver> {
    let binary = chromedriver_binary()?;
    Some(ChromeDriver::start(&binary))
}

impl ChromeDriver {
    /// Starts the driver at `binary`, retrying on another port if the free
    /// port it picked was taken before the driver could bind it.
    pub fn start(binary: &Path) -> ChromeDriver {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(binary) {
                Ok(driver) => return driver,
                Err(e) => last = e,
            }
        }
        panic!("cannot start {}: {last}", binary.display());
    }

    fn try_start(binary: &Path) -> Result<ChromeDriver, String> {
        let port = free_port().map_err(|e| format!("no free loopback port: {e}"))?;
        let mut command = Command::new(binary);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            // The banner ("Starting ChromeDriver …") goes to stdout; warnings
            // and errors go to stderr, which stays visible.
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // Its own process group, so that the browsers it starts can be
        // killed with it if it does not stop cleanly.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().map_err(|e| format!("cannot run it: {e}"))?;
        // From here on, dropping the guard stops the process on any error.
        let mut driver = ChromeDriver { child, port };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!("it exited with {status} before it was ready"));
            }
            if let Ok((200, body)) = http(port, "GET", "/status", None)
                && status_ready(&body)
            {
                return Ok(driver);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "it did not answer GET /status on port {port} within {START_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The WebDriver endpoint, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The driver's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // chromedriver's own shutdown quits every session, closing their
        // browsers; killing it alone would leave the browsers running.
        let asked = http(self.port, "GET", "/shutdown", None).is_ok();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while asked && Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // It hung: kill its whole process group, browsers included.
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `name` is: the override when given (it must exist), else the first
/// existing default, else the first executable `name` on `path`. The error
/// says what was looked at.
fn find_binary(
    name: &str,
    override_: Option<OsString>,
    defaults: &[&Path],
    path: Option<OsString>,
) -> Result<PathBuf, String> {
    let var = format!("CORDON_{}", name.to_uppercase());
    if let Some(o) = override_.filter(|o| !o.is_empty()) {
        let o = PathBuf::from(o);
        return if is_executable(&o) {
            Ok(o)
        } else {
            Err(format!("{var}={} is not an executable file", o.display()))
        };
    }
    if let Some(d) = defaults.iter().find(|d| is_executable(d)) {
        return Ok(d.to_path_buf());
    }
    if let Some(p) = path
        .as_deref()
        .and_then(|p| find_in_path(OsStr::new(name), p))
    {
        return Ok(p);
    }
    let defaults: Vec<String> = defaults.iter().map(|d| d.display().to_string()).collect();
    Err(format!(
        "no {name} at {} nor on PATH; install Debian's chromium and chromium-driver \
         (.ci/run does), or set {var}",
        defaults.join(", ")
    ))
}

fn find_in_path(name: &OsStr, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Whether a WebDriver `GET /status` body says the driver takes sessions:
/// `{"value":{…,"ready":true,…}}`.
fn status_ready(body: &str) -> bool {
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains(r#""ready":true"#)
}

/// One plain HTTP/1.1 request to `127.0.0.1:port`; returns the status code
/// and the body. Enough for chromedriver, which answers with a
/// `Content-Length` body (and keeps the connection open even when asked to
/// close it, so the body is read by its length, not to the end).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> io::Result<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    // Starting a browser session is the slowest answer on a loaded machine.
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = Vec::new();
    let mut buf = [0; 8192];
    loop {
        if let Some(whole) = response_length(&response)
            && response.len() >= whole
        {
            response.truncate(whole);
            break;
        }
        match stream.read(&mut buf)? {
            0 => break,
            n => response.extend_from_slice(&buf[..n]),
        }
    }
    parse_response(&response)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP response"))
}

/// The length of the whole response (head and body) once its head has
/// arrived and gives a `Content-Length`; `None` while that is unknown.
fn response_length(response: &[u8]) -> Option<usize> {
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&response[..head_end]);
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    })?;
    Some(head_end + length)
}

fn parse_response(response: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head
        .lines()
        .next()?
        .strip_prefix("HTTP/1.")?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()?;
    Some((status, body.to_owned()))
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh scratch folder under the system temp folder.
    fn scratch(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "cordon-testkit-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn touch(path: &Path, mode: u32) {
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
    }

    #[test]
    fn binary_lookup_order_is_override_then_defaults_then_path() {
        let dir = scratch("lookup");
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let in_b = b.join("chromedriver");
        touch(&in_b, 0o755);
        let default = dir.join("default-driver");
        touch(&default, 0o755);
        let override_ = dir.join("override-driver");
        touch(&override_, 0o755);
        let path = std::env::join_paths([&a, &b]).unwrap();

        let found = |o: Option<&Path>, d: &[&Path]| {
            find_binary(
                "chromedriver",
                o.map(|o| o.as_os_str().to_owned()),
                d,
                Some(path.clone()),
            )
        };
        assert_eq!(found(Some(&override_), &[&default]), Ok(override_.clone()));
        assert_eq!(found(None, &[&default]), Ok(default.clone()));
        // An empty override counts as unset.
        assert_eq!(
            find_binary(
                "chromedriver",
                Some(OsString::new()),
                &[&default],
                Some(path.clone())
            ),
            Ok(default.clone())
        );
        assert_eq!(found(None, &[&dir.join("nowhere")]), Ok(in_b.clone()));

        // A named override that is missing is an error, not a fallback.
        let err = found(Some(&dir.join("nowhere")), &[&default]).unwrap_err();
        assert!(err.contains("CORDON_CHROMEDRIVER="), "{err}");

        let err = find_binary("chromedriver", None, &[&dir.join("nowhere")], None).unwrap_err();
        assert!(err.contains("chromium-driver"), "{err}");
        assert!(err.contains("CORDON_CHROMEDRIVER"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn files_that_are_not_executable_are_skipped() {
        let dir = scratch("exec");
        touch(&dir.join("chromium"), 0o644);
        std::fs::create_dir_all(dir.join("chromedriver")).unwrap();
        let path = dir.as_os_str().to_owned();
        assert_eq!(find_in_path(OsStr::new("chromium"), &path), None);
        assert_eq!(find_in_path(OsStr::new("chromedriver"), &path), None);
        touch(&dir.join("chromium"), 0o700);
        assert_eq!(
            find_in_path(OsStr::new("chromium"), &path),
            Some(dir.join("chromium"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn status_bodies() {
        let ready = r#"{"value":{"build":{"version":"156.0"},"message":"ChromeDriver ready for new sessions.","ready":true}}"#;
        assert!(status_ready(ready));
        assert!(status_ready("{\"value\": {\"ready\": true}}"));
        assert!(!status_ready(r#"{"value":{"ready":false}}"#));
        assert!(!status_ready(""));
    }

    #[test]
    fn http_responses() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
        assert_eq!(parse_response(r), Some((200, "{\"a\":1}".to_owned())));
        let r = b"HTTP/1.0 404 Not Found\r\n\r\n";
        assert_eq!(parse_response(r), Some((404, String::new())));
        assert_eq!(parse_response(b"garbage"), None);
        assert_eq!(parse_response(b"SSH-2.0\r\n\r\n"), None);

        // The response is complete once the head and Content-Length bytes are in.
        let head = b"HTTP/1.1 200 OK\r\ncontent-length:3\r\nConnection:close\r\n\r\n";
        assert_eq!(response_length(&head[..20]), None);
        assert_eq!(response_length(head), Some(head.len() + 3));
        assert_eq!(response_length(b"HTTP/1.1 204 No Content\r\n\r\n"), None);
    }

    #[test]
    fn capabilities_are_json_with_the_binary_escaped() {
        let caps = chrome_capabilities(Path::new("/opt/odd \"dir\"\\chromium"));
        assert!(
            caps.contains(r#""binary":"/opt/odd \"dir\"\\chromium""#),
            "{caps}"
        );
        assert!(caps.contains(r#""--headless=new""#), "{caps}");
        assert!(caps.starts_with('{') && caps.ends_with('}'), "{caps}");
        let opens = caps.matches(['{', '[']).count();
        let closes = caps.matches(['}', ']']).count();
        assert_eq!(opens, closes, "{caps}");
        assert_eq!(json_string("a\u{1}\n"), r#""a\u0001\n""#);
    }

    #[test]
    fn free_ports_are_loopback_and_bindable() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }

    /// The driver answers on its port, a headless Chromium session starts
    /// with [`chrome_capabilities`], and drop stops both.
    #[test]
    fn chromedriver_starts_a_headless_session_and_stops_on_drop() {
        let Some(driver) = chromedriver() else {
            return;
        };
        let Some(chromium) = chromium_binary() else {
            return;
        };
        let port = driver.port();
        assert_eq!(driver.url(), format!("http://127.0.0.1:{port}"));
        let (status, body) = http(port, "GET", "/status", None).unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(status_ready(&body), "{body}");

        let new_session = format!(
            r#"{{"capabilities":{{"alwaysMatch":{}}}}}"#,
            chrome_capabilities(&chromium)
        );
        let (status, body) = http(port, "POST", "/session", Some(&new_session)).unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""sessionId""#), "{body}");
        let browser_pid = body
            .split_once(r#""goog:processID":"#)
            .and_then(|(_, rest)| rest.split([',', '}']).next())
            .and_then(|pid| pid.trim().parse::<u32>().ok());

        drop(driver);
        assert!(
            TcpStream::connect_timeout(
                &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                Duration::from_secs(1)
            )
            .is_err(),
            "chromedriver still answers on port {port} after drop"
        );
        // The browser it started is gone too (or a zombie awaiting its reaper).
        if let Some(pid) = browser_pid {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat.rsplit_once(") ").map(|(_, s)| &s[..1]);
            assert!(
                matches!(state, None | Some("Z") | Some("X")),
                "chromium {pid} still runs after drop: {stat}"
            );
        }
    }
}
