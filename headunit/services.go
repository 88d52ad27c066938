package headunit

import (
	"errors"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/e2e"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/headunit/reaction"
)

const (
	volumeHold   = 800 * time.Millisecond // held longer, volume repeats
	volumeRepeat = 200 * time.Millisecond
	maxVolume    = 40
	lockAbove    = 5.0 // km/h: text input locks above this speed
)

// receive takes one input frame as an ECU does: only when its CRC is right
// and its counter advanced.
func (u *Unit) receive(r *canbus.Received, now time.Time) {
	if r.Time.After(u.busTime) {
		u.busTime = r.Time
	}
	if r.Own || r.Error || r.Remote || r.Extended || r.FD {
		return
	}
	in := u.inputs[r.ID]
	if in == nil {
		return
	}
	if err := in.check.Accept(r.Payload()); err != nil && !(u.counterUnchecked() && errors.Is(err, e2e.ErrCounterStuck)) {
		u.ignored.Add(1)
		u.emit(now, "vehicle", "input_ignored", "message", in.name, "reason", err.Error())
		return
	}
	in.lastSeen, in.lost = r.Time, false
	f, err := r.Einride()
	if err != nil {
		return
	}
	switch r.ID {
	case 0x0F0:
		var m ic.ESP_VehicleSpeed
		if m.UnmarshalFrame(f) == nil {
			u.speed, u.speedValid, u.speedLost = m.VehicleSpeed(), bool(m.SpeedValid()), false
			u.updateTextLock(now)
		}
	case 0x0F8:
		var m ic.TCU_Gear
		if m.UnmarshalFrame(f) == nil {
			u.gear = m.Gear()
			u.updateDuck(now)
			u.updateCamera(now)
		}
	case 0x1A0:
		var m ic.SWC_Buttons
		if m.UnmarshalFrame(f) == nil {
			u.buttonsChanged(now, &m)
		}
	case 0x1C0:
		var m ic.BCM_PowerMode
		if m.UnmarshalFrame(f) == nil {
			u.powerChanged(now, &m)
		}
	}
}

// watchInputs notices inputs that stopped arriving (3 periods) and falls
// back safely: speed lost locks text input, buttons lost count as released.
//
// Silence is judged on the bus's timestamps, as of the newest frame the
// unit has read: a unit that a busy host kept from reading for a while
// must not call an input lost whose frames wait in its queue. Only when
// it has read nothing for a second does the wall clock judge.
func (u *Unit) watchInputs(now time.Time) {
	ref := u.busTime
	if lagging := now.Add(-time.Second); lagging.After(ref) {
		ref = lagging
	}
	for id, in := range u.inputs {
		if in.lost || ref.Sub(in.lastSeen) <= 3*in.period {
			continue
		}
		in.lost = true
		u.emit(now, "vehicle", "input_lost", "message", in.name)
		switch id {
		case 0x0F0:
			u.speedLost = true
			u.updateTextLock(now)
		case 0x1A0:
			var released ic.SWC_Buttons
			u.buttonsChanged(now, &released)
		}
	}
	if u.volDir != 0 && !now.Before(u.volRepeat) {
		u.volRepeat = u.volRepeat.Add(volumeRepeat)
		u.stepVolume(now, u.volDir)
	}
}

func (u *Unit) ready(service string) bool {
	switch service {
	case "messaging":
		return bool(u.hb.MessagingReady())
	case "music":
		return bool(u.hb.MusicReady())
	case "navigation":
		return bool(u.hb.NavigationReady())
	}
	return false
}

// Vehicle: boot on ON (ready bits one by one within vehicle.ready), shut
// down on OFF (within vehicle.standby).

func (u *Unit) powerChanged(now time.Time, m *ic.BCM_PowerMode) {
	u.parkingBrake = bool(m.ParkingBrake())
	u.night = bool(m.NightMode())
	u.updateTheme(now)
	mode := m.PowerMode()
	prev := u.power
	u.power = mode
	u.updateTextLock(now)
	on := mode == ic.BCM_PowerMode_PowerMode_ON || mode == ic.BCM_PowerMode_PowerMode_START
	off := mode == ic.BCM_PowerMode_PowerMode_OFF
	if mode == ic.BCM_PowerMode_PowerMode_ACC && u.broken(RuleACC) {
		off = true // the fault: ACC shuts down as OFF does
	}
	switch {
	case on && !u.running:
		u.running = true
		u.boot(now)
	case off && u.running && prev != mode:
		u.running = false
		u.shutdown(now)
	}
}

func (u *Unit) boot(now time.Time) {
	u.hb.SetPowerState(ic.IVI_Heartbeat_PowerState_Booting)
	u.emit(now, "vehicle", "power_state", "state", "Booting")
	total := u.set.latency(reaction.Ready).Sample(u.rnd)
	steps := []struct {
		service string
		set     func()
	}{
		{"messaging", func() { u.msg.SetTextInputLocked(u.wantLocked); u.hb.SetMessagingReady(true) }},
		{"music", func() { u.hb.SetMusicReady(true) }},
		{"navigation", func() {
			u.hb.SetNavigationReady(true)
			u.nav.SetDisplay(map[bool]ic.IVI_NavStatus_Display{true: ic.IVI_NavStatus_Display_Camera, false: ic.IVI_NavStatus_Display_Map}[u.gear == ic.TCU_Gear_Gear_R])
			u.nav.SetTheme(map[bool]ic.IVI_NavStatus_Theme{true: ic.IVI_NavStatus_Theme_Night, false: ic.IVI_NavStatus_Theme_Day}[u.night])
		}},
	}
	for i, st := range steps {
		st := st
		last := i == len(steps)-1
		u.at(now.Add(total*time.Duration(i+1)/time.Duration(len(steps))), func(t time.Time) {
			if !u.running {
				return
			}
			st.set()
			u.emit(t, st.service, "ready")
			if last {
				u.hb.SetPowerState(ic.IVI_Heartbeat_PowerState_Running)
				u.emit(t, "vehicle", "power_state", "state", "Running")
			}
		})
	}
}

func (u *Unit) shutdown(now time.Time) {
	u.hb.SetPowerState(ic.IVI_Heartbeat_PowerState_ShuttingDown)
	u.emit(now, "vehicle", "power_state", "state", "ShuttingDown")
	u.react(now, reaction.Standby, func(t time.Time) {
		if u.running {
			return
		}
		u.hb.SetMessagingReady(false).SetMusicReady(false).SetNavigationReady(false)
		u.hb.SetPowerState(ic.IVI_Heartbeat_PowerState_Standby)
		u.nav.SetDisplay(ic.IVI_NavStatus_Display_Off)
		u.emit(t, "vehicle", "power_state", "state", "Standby")
	})
}

// at schedules fn at a fixed time (boot steps share one sampled latency).
func (u *Unit) at(t time.Time, fn func(time.Time)) {
	u.seq++
	u.pend.push(scheduled{due: t, seq: u.seq, apply: fn})
}

// Buttons are edges: a press is the bit going from 0 to 1, however many
// cycles it stays set; volume held past 800 ms repeats every 200 ms.
func (u *Unit) buttonsChanged(now time.Time, b *ic.SWC_Buttons) {
	prev := u.buttons
	u.buttons = *b
	for _, btn := range []struct {
		bit func(*ic.SWC_Buttons) bool
		on  func(time.Time)
	}{
		{func(b *ic.SWC_Buttons) bool { return bool(b.NextBtn()) }, func(t time.Time) { u.track(t, reaction.Next, +1) }},
		{func(b *ic.SWC_Buttons) bool { return bool(b.PrevBtn()) }, func(t time.Time) { u.track(t, reaction.Prev, -1) }},
		{func(b *ic.SWC_Buttons) bool { return bool(b.PlayPauseBtn()) }, u.playPause},
		{func(b *ic.SWC_Buttons) bool { return bool(b.MuteBtn()) }, u.mute},
		{func(b *ic.SWC_Buttons) bool { return bool(b.SourceBtn()) }, u.nextSource},
		{func(b *ic.SWC_Buttons) bool { return bool(b.VoiceBtn()) }, u.voice},
		{func(b *ic.SWC_Buttons) bool { return bool(b.PhoneAnswerBtn()) }, u.answer},
		{func(b *ic.SWC_Buttons) bool { return bool(b.PhoneHangupBtn()) }, u.hangup},
	} {
		if !btn.bit(&prev) && btn.bit(b) {
			btn.on(now)
		}
	}
	dir := 0
	switch {
	case bool(b.VolUpBtn()) && !bool(b.VolDownBtn()):
		dir = +1
	case bool(b.VolDownBtn()) && !bool(b.VolUpBtn()):
		dir = -1
	}
	if dir != 0 && dir != u.volDir {
		u.stepVolume(now, dir)
		u.volRepeat = now.Add(volumeHold)
	}
	u.volDir = dir
}

// act schedules a service's reaction to an input: a service that is not
// ready (booting, standby) ignores its buttons.
func (u *Unit) act(now time.Time, service, key string, apply func(time.Time)) {
	if u.ready(service) {
		u.react(now, key, apply)
	}
}

// Music.

func (u *Unit) track(now time.Time, key string, step int) {
	u.act(now, "music", key, func(t time.Time) {
		n := int(u.media.TrackIndex()) + step
		if n < 0 {
			n = 0
		}
		u.media.SetTrackIndex(uint16(n))
		u.emit(t, "music", "track_changed", "track", n)
	})
}

func (u *Unit) playPause(now time.Time) {
	u.act(now, "music", reaction.PlayPause, func(t time.Time) {
		next := ic.IVI_MediaStatus_PlayState_Playing
		if u.media.PlayState() == ic.IVI_MediaStatus_PlayState_Playing {
			next = ic.IVI_MediaStatus_PlayState_Paused
		}
		u.media.SetPlayState(next)
		u.emit(t, "music", "play_state", "state", next.String())
	})
}

func (u *Unit) stepVolume(now time.Time, dir int) {
	u.act(now, "music", reaction.Volume, func(t time.Time) {
		v := min(maxVolume, max(0, int(u.media.Volume())+dir))
		if u.broken(RuleVolumeRange) {
			// The fault: the volume wraps round past either end.
			v = (int(u.media.Volume()) + dir + maxVolume + 1) % (maxVolume + 1)
		}
		u.media.SetVolume(float64(v))
		u.emit(t, "music", "volume_changed", "volume", v)
	})
}

func (u *Unit) mute(now time.Time) {
	u.act(now, "music", reaction.Mute, func(t time.Time) {
		u.media.SetMuted(!u.media.Muted())
		u.emit(t, "music", "muted", "muted", bool(u.media.Muted()))
	})
}

func (u *Unit) nextSource(now time.Time) {
	u.act(now, "music", reaction.Source, func(t time.Time) {
		s := ic.IVI_MediaStatus_Source(uint8(u.media.Source())%4 + 1) // Radio, Bluetooth, Streaming, USB
		u.media.SetSource(s)
		u.emit(t, "music", "source_changed", "source", s.String())
	})
}

func (u *Unit) updateDuck(now time.Time) {
	call := u.msg.CallState()
	want := u.gear == ic.TCU_Gear_Gear_R || call == ic.IVI_MessagingStatus_CallState_Ringing ||
		call == ic.IVI_MessagingStatus_CallState_Active || u.msg.VoiceSession() != ic.IVI_MessagingStatus_VoiceSession_Idle
	u.follow(now, reaction.Duck, want, &u.wantDucked, "", func(t time.Time) {
		u.media.SetDucked(want)
		u.emit(t, "music", "ducked", "ducked", want)
	})
}

// follow schedules one reaction each time a state the unit derives from its
// inputs changes (not on every frame that repeats it). The reaction is
// skipped while service, if named, is not ready: booting applies the state.
func (u *Unit) follow(now time.Time, key string, want bool, scheduled *bool, service string, apply func(time.Time)) {
	if want == *scheduled {
		return
	}
	*scheduled = want
	u.react(now, key, func(t time.Time) {
		if service == "" || u.ready(service) {
			apply(t)
		}
	})
}

// Messaging.

func (u *Unit) voice(now time.Time) {
	u.act(now, "messaging", reaction.Voice, func(t time.Time) {
		next := ic.IVI_MessagingStatus_VoiceSession_Listening
		if u.msg.VoiceSession() != ic.IVI_MessagingStatus_VoiceSession_Idle {
			next = ic.IVI_MessagingStatus_VoiceSession_Idle
		}
		u.msg.SetVoiceSession(next)
		u.emit(t, "messaging", "voice_session", "state", next.String())
		u.updateDuck(t)
	})
}

func (u *Unit) setCall(t time.Time, s ic.IVI_MessagingStatus_CallState) {
	u.msg.SetCallState(s)
	u.emit(t, "messaging", "call_state", "state", s.String())
	u.updateDuck(t)
}

func (u *Unit) incomingCall(now time.Time) {
	if !u.ready("messaging") || u.msg.CallState() != ic.IVI_MessagingStatus_CallState_Idle {
		return
	}
	u.setCall(now, ic.IVI_MessagingStatus_CallState_Ringing)
}

func (u *Unit) answer(now time.Time) {
	if !u.ready("messaging") || u.msg.CallState() != ic.IVI_MessagingStatus_CallState_Ringing {
		return
	}
	u.react(now, reaction.Answer, func(t time.Time) {
		if u.msg.CallState() == ic.IVI_MessagingStatus_CallState_Ringing {
			u.setCall(t, ic.IVI_MessagingStatus_CallState_Active)
		}
	})
}

func (u *Unit) hangup(now time.Time) {
	if !u.ready("messaging") || u.msg.CallState() == ic.IVI_MessagingStatus_CallState_Idle {
		return
	}
	u.react(now, reaction.Hangup, func(t time.Time) { u.setCall(t, ic.IVI_MessagingStatus_CallState_Idle) })
}

func (u *Unit) incomingMessage(now time.Time, from string) {
	u.act(now, "messaging", reaction.Unread, func(t time.Time) {
		n := min(255, int(u.msg.UnreadCount())+1)
		u.msg.SetUnreadCount(uint8(n))
		u.emit(t, "messaging", "message_received", "from", from, "unread", n)
	})
}

// updateTextLock applies the driver-distraction rule: locked above 5 km/h,
// unlocked at standstill with the parking brake on, locked when the speed is
// lost or invalid (the car may be moving), unchanged in between.
func (u *Unit) updateTextLock(now time.Time) {
	want := u.wantLocked
	switch {
	case u.speedLost || !u.speedValid || u.speed > lockAbove:
		want = true
	case u.speed == 0 && u.parkingBrake:
		want = false
	}
	u.follow(now, reaction.TextLock, want, &u.wantLocked, "messaging", func(t time.Time) {
		u.msg.SetTextInputLocked(want)
		u.emit(t, "messaging", "text_lock", "locked", want)
	})
}

// Navigation.

func (u *Unit) updateCamera(now time.Time) {
	want := u.gear == ic.TCU_Gear_Gear_R
	u.follow(now, reaction.Camera, want, &u.wantCamera, "navigation", func(t time.Time) {
		d := ic.IVI_NavStatus_Display_Map
		if want {
			d = ic.IVI_NavStatus_Display_Camera
		}
		u.nav.SetDisplay(d)
		u.emit(t, "navigation", "display", "display", d.String())
	})
}

func (u *Unit) updateTheme(now time.Time) {
	want := u.night
	u.follow(now, reaction.Theme, want, &u.wantNight, "navigation", func(t time.Time) {
		th := ic.IVI_NavStatus_Theme_Day
		if want {
			th = ic.IVI_NavStatus_Theme_Night
		}
		u.nav.SetTheme(th)
		u.emit(t, "navigation", "theme", "theme", th.String())
	})
}

func (u *Unit) startGuidance(now time.Time, maneuver ic.IVI_NavStatus_NextManeuver, distance uint16) {
	u.act(now, "navigation", reaction.Guidance, func(t time.Time) {
		u.nav.SetGuidanceActive(true).SetNextManeuver(maneuver).SetDistanceToManeuver(distance)
		u.emit(t, "navigation", "guidance", "active", true, "maneuver", maneuver.String(), "distance", distance)
		u.guidanceTick(t)
	})
}

func (u *Unit) stopGuidance(now time.Time) {
	u.react(now, reaction.Guidance, func(t time.Time) {
		u.nav.SetGuidanceActive(false).SetNextManeuver(ic.IVI_NavStatus_NextManeuver_None).SetDistanceToManeuver(0)
		u.emit(t, "navigation", "guidance", "active", false)
	})
}

// guidanceTick lets the distance to the next maneuver follow the vehicle
// speed, every 100 ms while guidance is active.
func (u *Unit) guidanceTick(t time.Time) {
	const step = 100 * time.Millisecond
	u.at(t.Add(step), func(now time.Time) {
		if !bool(u.nav.GuidanceActive()) {
			return
		}
		d := float64(u.nav.DistanceToManeuver())
		if !u.speedLost && u.speedValid {
			d -= u.speed / 3.6 * step.Seconds()
		}
		if d <= 0 {
			d = 0 // the distance holds at 0 until the route gives a next maneuver
		}
		u.nav.SetDistanceToManeuver(uint16(d + 0.5))
		if d == 0 && u.nav.NextManeuver() == ic.IVI_NavStatus_NextManeuver_Arrive {
			// Reaching the destination ends guidance.
			u.nav.SetGuidanceActive(false).SetNextManeuver(ic.IVI_NavStatus_NextManeuver_None)
			u.emit(now, "navigation", "guidance", "active", false)
			return
		}
		u.guidanceTick(now)
	})
}
