package harness

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/can/canlink"
	"github.com/cockpit-hil/hil/harness/profile"
)

// applyBus gives a real adapter the profile's bit timing (bus.bitrate,
// bus.data_bitrate, bus.fd) before the session opens it. Settings it
// already has are left alone, so a bench set up once (hil link, ip link)
// needs no privileges; a profile that sets none leaves the adapter as it
// is. A virtual, UDP or vcan bus has no controller to set: a profile that
// asks for bit timing there is an error, not a silent no-op.
func applyBus(ctx context.Context, bus profile.Bus, addr candial.Address) error {
	iface := addr.String()
	if bus.Bitrate == 0 && bus.DataBitrate == 0 && !bus.FD {
		return nil
	}
	settings := fmt.Sprintf("bitrate %d, data_bitrate %d, fd %v", bus.Bitrate, bus.DataBitrate, bus.FD)
	if !addr.HasController() {
		return fmt.Errorf("bus %s: has no controller for the profile's bus settings (%s); leave them out for a virtual or UDP bus", iface, settings)
	}
	cur, err := canlink.Get(ctx, iface)
	if err != nil {
		return fmt.Errorf("bus %s: read the adapter's settings before applying the profile's (%s): %w", iface, settings, err)
	}
	if cur.Kind != "can" {
		return fmt.Errorf("bus %s: a %s interface has no controller for the profile's bus settings (%s); leave them out, or point the profile at a real adapter", iface, cur.Kind, settings)
	}
	fdOn := cur.CtrlMode&canlink.ModeFD != 0
	if (bus.Bitrate == 0 || bus.Bitrate == cur.Bitrate) && (bus.DataBitrate == 0 || bus.DataBitrate == cur.DataBitrate) && bus.FD == fdOn && cur.Up {
		return nil // as the profile wants it already
	}
	cfg := canlink.Config{Bitrate: bus.Bitrate, DataBitrate: bus.DataBitrate, FD: &bus.FD}
	if err := canlink.Set(ctx, iface, cfg); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("bus %s: apply the profile's %s: %w; set it once as root (sudo hil link %s bitrate %d up), or give hil CAP_NET_ADMIN", iface, settings, err, iface, bus.Bitrate)
		}
		return fmt.Errorf("bus %s: apply the profile's %s: %w", iface, settings, err)
	}
	if !cur.Up {
		if err := canlink.SetUp(ctx, iface, true); err != nil {
			return fmt.Errorf("bus %s: bring it up after applying the profile's %s: %w", iface, settings, err)
		}
	}
	return nil
}
