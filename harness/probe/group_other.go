//go:build !unix

package probe

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where there are no process groups.
func ownGroup(cmd *exec.Cmd) {}

// signalGroup signals the command alone.
func signalGroup(cmd *exec.Cmd, sig os.Signal) error {
	if sig == os.Interrupt {
		return cmd.Process.Kill() // Windows cannot deliver an interrupt
	}
	return cmd.Process.Signal(sig)
}
