//! A real `redis-server` for the tests: started on a free loopback port with persistence
//! off, stopped (killed) on drop; and the faults a fleet meets: a restart that loses every
//! key, a freeze (SIGSTOP/SIGCONT), slow answers (`DEBUG SLEEP` from a second
//! connection), a failover to a second, empty server on the same address, and a proxy
//! that cuts one replica off. When `redis-server` is missing, the repository's
//! `.ci/install-redis` installs it (as root, or with `sudo -n`), or the test fails with a
//! message naming what to install. No mock of Redis.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Timing-sensitive tests hold this, so they run one at a time whatever the test threads.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(found) = find() {
                return found;
            }
            // The crate's root, or its parent for the benchmarks' package in `benches/`.
            let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let script = [manifest_dir.join(".ci/install-redis"), manifest_dir.join("../.ci/install-redis")]
                .into_iter()
                .find(|script| script.is_file())
                .unwrap_or_else(|| manifest_dir.join(".ci/install-redis"));
            let status = Command::new("bash").arg(script).status();
            match (status, find()) {
                (Ok(s), Some(found)) if s.success() => found,
                _ => panic!(
                    "redis-server is needed by the tests and could not be installed: install Redis 7 or later (Debian/Ubuntu: `apt-get install redis-server`) so that redis-server is on PATH, then run the tests again"
                ),
            }
        })
        .clone()
}

fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A running `redis-server`.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one on a free port and waits until it answers PING.
    pub fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            child: None,
        };
        server.start_again();
        server
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (its data is gone: persistence is off).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn start_again(&mut self) {
        self.stop();
        let child = Command::new(binary())
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            // `DEBUG SLEEP` (a slow Redis), from loopback only.
            .args(["--enable-debug-command", "local"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers_ping() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Restarted without persistence: every key is gone, the address is the same.
    pub fn restart_empty(&mut self) {
        self.start_again();
    }

    /// A failover: the server dies without warning (SIGKILL) and a second, empty
    /// `redis-server` process takes over its address.
    pub fn fail_over(&mut self) {
        let old = self.child.as_ref().map(Child::id);
        self.start_again();
        assert_ne!(old, self.child.as_ref().map(Child::id), "a new process");
    }

    /// Frozen (SIGSTOP) for `period`, then let go on (SIGCONT); blocks meanwhile.
    pub fn freeze_for(&self, period: Duration) {
        self.pause();
        std::thread::sleep(period);
        self.resume();
    }

    /// Blocks the server for `period` from a second connection (`DEBUG SLEEP`), in a
    /// thread of its own; the returned handle ends when Redis answered again.
    pub fn slow_for(&self, period: Duration) -> std::thread::JoinHandle<()> {
        let port = self.port;
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("redis answers");
            stream
                .set_read_timeout(Some(period + Duration::from_secs(5)))
                .unwrap();
            let secs = format!("{:.3}", period.as_secs_f64());
            let request = format!(
                "*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n${}\r\n{secs}\r\n",
                secs.len()
            );
            stream.write_all(request.as_bytes()).unwrap();
            let mut answer = [0u8; 5];
            stream.read_exact(&mut answer).unwrap();
            assert_eq!(&answer, b"+OK\r\n", "DEBUG SLEEP answered");
        })
    }

    /// Stops the process without closing its sockets (SIGSTOP): Redis is then slow, not
    /// gone.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }

    /// Runs one command (as its words) and returns the raw RESP answer.
    pub fn command(&self, words: &[&str]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("redis answers");
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut request = format!("*{}\r\n", words.len());
        for word in words {
            request.push_str(&format!("${}\r\n{word}\r\n", word.len()));
        }
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = vec![0u8; 64 * 1024];
        let n = stream.read(&mut answer).unwrap();
        String::from_utf8_lossy(&answer[..n]).into_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.resume_quietly();
        self.stop();
    }
}

impl RedisServer {
    fn resume_quietly(&self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A TCP proxy in front of a Redis server, for one replica: [`CutProxy::cut`] closes
/// its connections and refuses new ones (that replica is cut off while the others still
/// reach Redis), [`CutProxy::mend`] lets it through again.
pub struct CutProxy {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<Mutex<Vec<TcpStream>>>,
}

impl CutProxy {
    /// A proxy on a free loopback port to `127.0.0.1:<upstream>`.
    pub fn start(upstream: u16) -> Self {
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let port = listener.local_addr().unwrap().port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(Mutex::new(Vec::new()));
        let (flag, streams) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let mut all = streams.lock().unwrap_or_else(|e| e.into_inner());
                for stream in [&client, &server] {
                    if let Ok(copy) = stream.try_clone() {
                        all.push(copy);
                    }
                }
                drop(all);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Self { port, cut, open }
    }

    /// `redis://127.0.0.1:<proxy port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Cuts the replica off: open connections are closed, new ones refused.
    pub fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets it through again.
    pub fn mend(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Copies `from` to `to` in a thread until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}
