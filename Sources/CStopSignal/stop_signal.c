#include "stop_signal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

static atomic_int pending = 0;

/* Async-signal-safe: one atomic exchange, and _exit for the second signal. */
static void on_stop(int signal_number) {
    int previous = atomic_exchange(&pending, signal_number);
    if (previous != 0) _exit(128 + signal_number);
}

int polyglot_stop_signal_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    /* Interrupted reads and writes restart: the step in progress finishes normally. */
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    /* A parent may have started this process with the signals blocked (the mask is inherited): unblock them. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    if (pthread_sigmask(SIG_UNBLOCK, &stops, NULL) != 0) return -1;
    return 0;
}

int polyglot_stop_signal_pending(void) {
    return atomic_load(&pending);
}

int polyglot_stop_with_parent(int parent) {
#if defined(__linux__)
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) return 0;
#endif
    /* The parent may have ended before the request: then this process was re-parented already. */
    return getppid() != (pid_t)parent ? 1 : 0;
}
