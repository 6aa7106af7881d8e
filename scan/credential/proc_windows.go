package credential

import (
	"os"
	"os/exec"
	"time"
)

// prepareChild has nothing to do on Windows: there is no process group to
// give the plugin, so only the plugin process itself is killed.
func prepareChild(*exec.Cmd) {}

// watchParent closes the returned channel when the guard's parent is gone.
func watchParent(parent int) <-chan struct{} {
	gone := make(chan struct{})
	go func() {
		for {
			p, err := os.FindProcess(parent)
			if err != nil {
				break
			}
			p.Release()
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

func killGroup(p *os.Process) { _ = p.Kill() }

func reapOrphans() {}
