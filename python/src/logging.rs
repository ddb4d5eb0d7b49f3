//! The crates' `log` records go to Python's `logging`, under the logger
//! `w2v_annoy` (`w2v_annoy.<crate>.<module>`), as gensim logs under
//! `gensim`. Records are passed on only while Python can take them: every
//! long call releases the GIL, so a worker thread that logs never waits
//! on a thread that holds it.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

struct PythonLogger;

static LOGGING: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

impl log::Log for PythonLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // Python's levels: ERROR 40, WARNING 30, INFO 20, DEBUG 10.
        let level = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            _ => 10,
        };
        let name = format!("w2v_annoy.{}", record.target().replace("::", "."));
        let message = record.args().to_string();
        Python::attach(|py| {
            let Some(logging) = LOGGING.get(py) else {
                return;
            };
            let result = logging
                .bind(py)
                .call_method1("getLogger", (name,))
                .and_then(|logger| logger.call_method1("log", (level, message)));
            if let Err(e) = result {
                e.print(py);
            }
        });
    }

    fn flush(&self) {}
}

/// Installs the bridge (once per process; a second `log` logger, if another
/// extension installed one first, is left in place).
pub fn install(py: Python<'_>) -> PyResult<()> {
    let logging = py.import("logging")?;
    LOGGING.get_or_init(py, || logging.unbind());
    if log::set_boxed_logger(Box::new(PythonLogger)).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    Ok(())
}
