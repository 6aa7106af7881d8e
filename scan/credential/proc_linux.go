package credential

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// prepareChild puts the plugin in a process group of its own, so that one
// signal reaches everything it starts, and makes the guard the reaper of
// whatever the plugin orphans, so the guard can wait until it is all gone.
func prepareChild(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// watchParent closes the returned channel when the guard's parent is gone.
// The kernel's parent-death signal says so at once; it is sent when the
// parent *thread* ends, so it is only a prompt to compare getppid with the
// parent's pid, and a slow poll covers any signal that never comes.
func watchParent(parent int) <-chan struct{} {
	gone := make(chan struct{})
	died := make(chan os.Signal, 1)
	signal.Notify(died, syscall.SIGUSR2)
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGUSR2), 0, 0, 0)
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for os.Getppid() == parent {
			select {
			case <-died:
			case <-tick.C:
			}
		}
		close(gone)
	}()
	return gone
}

// awaitExit blocks until the plugin has exited without reaping it: while
// it is an unreaped zombie its pid, and so its process group id, cannot be
// given to anyone else, which makes killing the group afterwards safe.
func awaitExit(p *os.Process) *os.ProcessState {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != syscall.EINTR {
			return nil
		}
	}
}

// killGroup kills the plugin's whole process group.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// reapOrphans waits (briefly) for the plugin's killed descendants that
// were handed to the guard as their reaper, so that when the guard exits
// none of them is still running.
func reapOrphans() {
	deadline := time.Now().Add(drainGrace)
	for time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case err == syscall.EINTR:
		case err != nil:
			return // ECHILD: nobody left
		case pid == 0:
			time.Sleep(10 * time.Millisecond)
		}
	}
}
