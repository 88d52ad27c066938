//go:build unix

package probe

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup puts the command in a process group of its own, so stopping it
// stops what it started too (sleep under sh, logcat under adb).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup signals the command's whole process group.
func signalGroup(cmd *exec.Cmd, sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return cmd.Process.Signal(sig)
	}
	return syscall.Kill(-cmd.Process.Pid, s)
}
