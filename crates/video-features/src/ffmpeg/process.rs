//! Child-process plumbing: stderr capture, a stall watchdog, and running a
//! program to completion under a deadline.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::SourceError;

/// Most bytes of a program's stderr kept for error messages (the end).
const STDERR_TAIL: usize = 4096;

/// Starts `program`, mapping "not found" to an error that says how to get
/// ffmpeg.
pub(super) fn spawn(program: &Path, cmd: &mut Command) -> Result<Child, SourceError> {
    cmd.spawn().map_err(|e| SourceError::Ffmpeg {
        program: program.display().to_string(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "program not found; install FFmpeg (Debian/Ubuntu: apt-get install ffmpeg) \
             or give its path"
                .into()
        } else {
            format!("cannot start: {e}")
        },
    })
}

/// The stdout and stderr pipes of a child started with both piped.
pub(super) fn take_pipes(child: &mut Child) -> Result<(ChildStdout, ChildStderr), SourceError> {
    match (child.stdout.take(), child.stderr.take()) {
        (Some(out), Some(err)) => Ok((out, err)),
        _ => Err(std::io::Error::other("child process started without piped output").into()),
    }
}

/// One frame's presentation time as ffmpeg's `metadata` filter printed it:
/// the filter's frame count and the timestamp in microseconds (`None` for
/// a frame without one).
pub(super) type Stamp = (u64, Option<i64>);

/// The `metadata` filter line that carries a frame's time, and the key line
/// that follows it (see [`super::TIMESTAMPS`]).
const STAMP_KEY: &[u8] = b"oddframe.pts=1";

/// Reads a program's stderr to its end on a thread and returns the last
/// [`STDERR_TAIL`] bytes of its log. With `stamps`, the per-frame timestamp
/// lines ffmpeg prints there go to it in order instead of the log.
pub(super) fn read_log(pipe: ChildStderr, stamps: Option<Sender<Stamp>>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 14, pipe);
        let mut tail = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            // a line longer than this is log text, kept in pieces
            match (&mut reader).take(1 << 14).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if let Some(stamps) = &stamps {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                if text == STAMP_KEY {
                    continue;
                }
                if let Some(stamp) = parse_stamp(text) {
                    // the receiver gone means the source was dropped
                    let _ = stamps.send(stamp);
                    continue;
                }
            }
            tail.extend_from_slice(&line);
            if tail.len() > 2 * STDERR_TAIL {
                tail.drain(..tail.len() - STDERR_TAIL);
            }
        }
        let start = tail.len().saturating_sub(STDERR_TAIL);
        String::from_utf8_lossy(&tail[start..]).trim().to_owned()
    })
}

/// `frame:N pts:P pts_time:T` (P an integer or `NOPTS`), anywhere in the
/// line: a log message written by another thread may have begun the line.
pub(super) fn parse_stamp(line: &[u8]) -> Option<Stamp> {
    let text = std::str::from_utf8(line).ok()?;
    let at = text.rfind("frame:")?;
    let mut fields = text[at..].split_ascii_whitespace();
    let frame = fields.next()?.strip_prefix("frame:")?.parse().ok()?;
    let pts = fields.next()?.strip_prefix("pts:")?;
    fields.next()?.strip_prefix("pts_time:")?;
    let pts = match pts {
        "NOPTS" => None,
        p => Some(p.parse().ok()?),
    };
    Some((frame, pts))
}

/// Runs a command to completion, killing it after `timeout`; returns its
/// exit status, stdout and stderr tail.
pub(super) fn run_with_deadline(
    program: &Path,
    cmd: &mut Command,
    timeout: Duration,
) -> Result<(ExitStatus, String, String), SourceError> {
    let mut child = spawn(
        program,
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )?;
    let (mut stdout, stderr) = take_pipes(&mut child)?;
    let stderr = read_log(stderr, None);
    let out = thread::spawn(move || {
        let mut text = String::new();
        // metadata is small; a lossy read keeps odd bytes from failing it
        let mut bytes = Vec::new();
        let _ = stdout.by_ref().take(1 << 20).read_to_end(&mut bytes);
        text.push_str(&String::from_utf8_lossy(&bytes));
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SourceError::Stalled {
                program: program.display().to_string(),
                timeout,
            });
        }
        thread::sleep(Duration::from_millis(5));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok((status, stdout, stderr))
}

/// Kills the child when a read has made no progress for `timeout`.
///
/// The reader arms it before blocking on the pipe and disarms it after, so
/// a slow consumer between frames never counts as a stall; every chunk read
/// counts as progress.
#[derive(Debug)]
pub(super) struct Watchdog {
    state: Arc<WatchState>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct WatchState {
    epoch: Instant,
    /// Nanoseconds since `epoch` of the last progress; 0 = disarmed.
    armed_at: AtomicU64,
    stop: AtomicBool,
    fired: AtomicBool,
    /// The watched pipe reached its end (the writer closed it).
    eof: AtomicBool,
}

impl WatchState {
    fn progress(&self) {
        let nanos = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.armed_at.store(nanos.max(1), Ordering::Release);
    }
}

impl Watchdog {
    pub(super) fn start(child: Arc<Mutex<Child>>, timeout: Duration) -> Self {
        let state = Arc::new(WatchState {
            epoch: Instant::now(),
            armed_at: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            fired: AtomicBool::new(false),
            eof: AtomicBool::new(false),
        });
        let s = Arc::clone(&state);
        let tick = (timeout / 4).clamp(Duration::from_millis(1), Duration::from_millis(250));
        let thread = thread::spawn(move || {
            while !s.stop.load(Ordering::Acquire) {
                thread::park_timeout(tick);
                let armed = s.armed_at.load(Ordering::Acquire);
                if armed == 0 {
                    continue;
                }
                let idle = s
                    .epoch
                    .elapsed()
                    .saturating_sub(Duration::from_nanos(armed));
                if idle >= timeout {
                    s.fired.store(true, Ordering::Release);
                    let mut child = child.lock().unwrap_or_else(PoisonError::into_inner);
                    let _ = child.kill();
                    break;
                }
            }
        });
        Self {
            state,
            thread: Some(thread),
        }
    }

    /// Marks progress now, arming the watchdog.
    pub(super) fn progress(&self) {
        self.state.progress();
    }

    pub(super) fn disarm(&self) {
        self.state.armed_at.store(0, Ordering::Release);
    }

    /// Whether it killed the child.
    pub(super) fn fired(&self) -> bool {
        self.state.fired.load(Ordering::Acquire)
    }

    /// Whether the watched pipe reached its end.
    pub(super) fn saw_eof(&self) -> bool {
        self.state.eof.load(Ordering::Acquire)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// A pipe whose reads count as progress for a [`Watchdog`].
#[derive(Debug)]
pub(super) struct Watched {
    pipe: ChildStdout,
    state: Arc<WatchState>,
}

impl Watched {
    pub(super) fn new(pipe: ChildStdout, dog: &Watchdog) -> Self {
        Self {
            pipe,
            state: Arc::clone(&dog.state),
        }
    }
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.pipe.read(buf)?;
        self.state.progress();
        if n == 0 && !buf.is_empty() {
            self.state.eof.store(true, Ordering::Release);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_stamp;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_line_parses_or_is_log_without_panicking(line in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_stamp(&line);
        }

        #[test]
        fn printed_stamps_read_back(frame in 0u64..1 << 40, pts in any::<i64>()) {
            let line = format!("frame:{frame:<4} pts:{pts:<7} pts_time:{}", pts as f64 / 1e6);
            prop_assert_eq!(parse_stamp(line.as_bytes()), Some((frame, Some(pts))));
        }
    }

    #[test]
    fn stamp_lines_parse_and_others_do_not() {
        assert_eq!(
            parse_stamp(b"frame:12   pts:400400  pts_time:0.4004"),
            Some((12, Some(400_400)))
        );
        assert_eq!(
            parse_stamp(b"[h264 @ 0x5] frame:3    pts:-33367 pts_time:-0.033367"),
            Some((3, Some(-33_367)))
        );
        assert_eq!(
            parse_stamp(b"frame:0    pts:NOPTS   pts_time:NOPTS"),
            Some((0, None))
        );
        for other in [
            &b"[h264 @ 0x5] error while decoding MB 3 4"[..],
            b"frame:x pts:1 pts_time:1",
            b"frame:1 pts:1.5 pts_time:1",
            b"frame:1 pts:1",
            b"\xff\xfe",
        ] {
            assert_eq!(
                parse_stamp(other),
                None,
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }
    }
}
