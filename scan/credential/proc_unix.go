//go:build unix && !linux

package credential

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// prepareChild puts the plugin in a process group of its own, so that one
// signal reaches everything it starts.
func prepareChild(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// watchParent closes the returned channel when the guard's parent is gone
// (the guard has been handed to another parent). Without Linux's
// parent-death signal, a poll is the only way to know.
func watchParent(parent int) <-chan struct{} {
	gone := make(chan struct{})
	go func() {
		for os.Getppid() == parent {
			time.Sleep(500 * time.Millisecond)
		}
		close(gone)
	}()
	return gone
}

// awaitExit waits for the plugin and reaps it.
func awaitExit(p *os.Process) *os.ProcessState {
	st, _ := p.Wait()
	return st
}

// killGroup kills the plugin's whole process group. Called after the
// plugin was reaped, its group id could in principle have been reused, so
// the guard only calls it while the plugin is still running.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

func reapOrphans() {}
