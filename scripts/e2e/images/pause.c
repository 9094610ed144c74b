/*
 * The sandbox's first process: it holds the pod's namespaces and does nothing else. It waits
 * for SIGINT or SIGTERM and exits 0, and it reaps any child re-parented to it (when it is PID 1
 * of a shared PID namespace) so that no zombie outlives its pod.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>

static volatile sig_atomic_t stopping = 0;

static void on_stop(int signo) {
  (void)signo;
  stopping = 1;
}

static void on_child(int signo) {
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

static int handle(int signo, void (*handler)(int), int flags) {
  struct sigaction action;
  action.sa_handler = handler;
  action.sa_flags = flags;
  sigfillset(&action.sa_mask);
  return sigaction(signo, &action, NULL);
}

int main(void) {
  sigset_t blocked, waiting;
  /* Block the three signals first, so none can land between the test and sigsuspend. */
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &blocked, &waiting) != 0) return 1;
  sigdelset(&waiting, SIGINT);
  sigdelset(&waiting, SIGTERM);
  sigdelset(&waiting, SIGCHLD);
  if (handle(SIGINT, on_stop, 0) != 0 || handle(SIGTERM, on_stop, 0) != 0 ||
      handle(SIGCHLD, on_child, SA_NOCLDSTOP) != 0)
    return 1;
  while (!stopping) sigsuspend(&waiting);
  return 0;
}
