#ifndef POLYGLOT_STOP_SIGNAL_H
#define POLYGLOT_STOP_SIGNAL_H

/// Installs handlers for SIGINT and SIGTERM that only record the signal in an atomic flag; a second
/// signal while one is pending ends the process at once (_exit(128 + signal)). Returns 0, or -1 with errno.
int polyglot_stop_signal_install(void);

/// The first stop signal received since installation (SIGINT, SIGTERM), or 0.
int polyglot_stop_signal_pending(void);

/// Asks the kernel to send this process SIGTERM when its parent (the thread that started it) ends (Linux;
/// elsewhere nothing), so a run started by `polyglot sweep` saves its checkpoint and stops when the sweep is
/// killed instead of running on unattended. Returns 1 when `parent` has already ended (the caller stops), else 0.
int polyglot_stop_with_parent(int parent);

#endif
