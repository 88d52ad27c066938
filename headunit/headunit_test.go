package headunit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness/restbus"
	"github.com/cockpit-hil/hil/headunit"
	"github.com/cockpit-hil/hil/headunit/reaction"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.einride.tech/can"
)

var _ = Describe("the reference head unit in this process on the virtual bus", func() { behaviours(inProcess) })

var _ = Describe("hil sim as a process on vcan0, hil restbus as its peer", Label("vcan"), func() { behaviours(onVcan) })

var _ = Describe("the crash fault", Label("vehicle"), func() {
	It("makes Run return ErrCrash", func(ctx SpecContext) {
		var s headunit.Settings
		Expect(s.SetFault("sim=crash-after:300ms")).To(Succeed())
		v := canbus.NewVirtual("crash")
		p := v.Open()
		defer p.Close()
		Expect(headunit.New(p, s).Run(ctx)).To(MatchError(headunit.ErrCrash))
	})
})

// behaviours are the specs of docs/design.md section 4, for any rig.
func behaviours(mk rigMaker) {
	Describe("vehicle", Label("vehicle"), func() {
		It("boots on power ON with the ready bits one by one, within vehicle.ready", func(ctx SpecContext) {
			r := mk(ctx, nil, nil)
			start := time.Now()
			var order []string
			r.await(ctx, 0x3B0, 5*time.Second, "all ready bits", func(f can.Frame) bool {
				var hb ic.IVI_Heartbeat
				hb.UnmarshalFrame(f)
				for name, on := range map[string]bool{"messaging": bool(hb.MessagingReady()), "music": bool(hb.MusicReady()), "navigation": bool(hb.NavigationReady())} {
					if on && !contains(order, name) {
						order = append(order, name)
					}
				}
				return hb.PowerState() == ic.IVI_Heartbeat_PowerState_Running && len(order) == 3
			})
			Expect(time.Since(start)).To(BeNumerically("<", headunit.Budgets[reaction.Ready]))
			Expect(order).To(Equal([]string{"messaging", "music", "navigation"}), "one by one")
		})

		It("goes to standby with the ready bits cleared on power OFF, within vehicle.standby", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.set("BCM_PowerMode.PowerMode=OFF")).To(Succeed())
			off := time.Now()
			r.await(ctx, 0x3B0, 3*time.Second, "standby", func(f can.Frame) bool {
				var hb ic.IVI_Heartbeat
				hb.UnmarshalFrame(f)
				return hb.PowerState() == ic.IVI_Heartbeat_PowerState_Standby && !bool(hb.MessagingReady()) && !bool(hb.MusicReady()) && !bool(hb.NavigationReady())
			})
			Expect(time.Since(off)).To(BeNumerically("<", headunit.Budgets[reaction.Standby]))
		})

		It("sends its heartbeat every 100 ms with an advancing counter", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			var prev canbus.Received
			l, _ := e2e.LayoutOf(ic.NewIVI_Heartbeat().Descriptor(), e2e.DefaultNames)
			check := e2e.NewChecker(l)
			for i := 0; i < 10; i++ {
				hb := r.await(ctx, 0x3B0, 400*time.Millisecond, "a heartbeat", func(can.Frame) bool { return true })
				Expect(check.Accept(hb.Payload())).To(Succeed())
				if i > 0 {
					Expect(hb.Time.Sub(prev.Time)).To(BeNumerically("~", 100*time.Millisecond, 30*time.Millisecond))
				}
				prev = hb
			}
		})

		It("stops its heartbeat with the fault heartbeat=stop-after", func(ctx SpecContext) {
			r := mk(ctx, fast(), []string{"heartbeat=stop-after:1500ms"})
			r.running(ctx)
			time.Sleep(1600 * time.Millisecond)
			stopped := time.Now()
			Consistently(func() bool {
				c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				for {
					rx, err := r.obs.Receive(c)
					if err != nil {
						return false
					}
					if rx.ID == 0x3B0 && rx.Time.After(stopped) {
						return true
					}
				}
			}, 400*time.Millisecond).Should(BeFalse())
		})

	})

	Describe("music", Label("music"), func() {
		DescribeTable("buttons change the media state within their budget",
			func(ctx SpecContext, key, button string, bit func(ic.SWC_Buttons) bool, pred func(before, after *ic.IVI_MediaStatus) bool) {
				r := mk(ctx, fast(), nil)
				r.running(ctx)
				before := media(einride(r.await(ctx, 0x3A0, time.Second, "media status", func(can.Frame) bool { return true })))
				lat := r.reaction(ctx, button, bit, 0x3A0, time.Second, key, func(f can.Frame) bool { return pred(before, media(f)) })
				Expect(lat).To(BeNumerically("<", headunit.Budgets[key]), key)
			},
			Entry("next track", "music.next", "SWC_Buttons.NextBtn", func(b ic.SWC_Buttons) bool { return bool(b.NextBtn()) },
				func(b, a *ic.IVI_MediaStatus) bool { return a.TrackIndex() == b.TrackIndex()+1 }),
			Entry("play/pause", "music.play_pause", "SWC_Buttons.PlayPauseBtn", func(b ic.SWC_Buttons) bool { return bool(b.PlayPauseBtn()) },
				func(b, a *ic.IVI_MediaStatus) bool { return a.PlayState() != b.PlayState() }),
			Entry("volume up", "music.volume", "SWC_Buttons.VolUpBtn", func(b ic.SWC_Buttons) bool { return bool(b.VolUpBtn()) },
				func(b, a *ic.IVI_MediaStatus) bool { return a.Volume() == b.Volume()+1 }),
		)

		It("goes back a track within music.prev's budget", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.press(ctx, "SWC_Buttons.NextBtn", 0)).To(Succeed())
			r.await(ctx, 0x3A0, time.Second, "track 1", func(f can.Frame) bool { return media(f).TrackIndex() == 1 })
			lat := r.reaction(ctx, "SWC_Buttons.PrevBtn", func(b ic.SWC_Buttons) bool { return bool(b.PrevBtn()) }, 0x3A0, time.Second, "track 0",
				func(f can.Frame) bool { return media(f).TrackIndex() == 0 })
			Expect(lat).To(BeNumerically("<", headunit.Budgets[reaction.Prev]))
		})

		It("ducks during a call and restores after the hang-up", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.control(headunit.Command{Cmd: "incoming_call"})).To(Succeed())
			r.await(ctx, 0x3A0, headunit.Budgets[reaction.Duck]+100*time.Millisecond, "ducked while ringing", func(f can.Frame) bool { return bool(media(f).Ducked()) })
			Expect(r.press(ctx, "SWC_Buttons.PhoneHangupBtn", 0)).To(Succeed())
			r.await(ctx, 0x3A0, time.Second, "restored", func(f can.Frame) bool { return !bool(media(f).Ducked()) })
		})

		It("counts one press however many cycles the bit stays set", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.press(ctx, "SWC_Buttons.NextBtn", 100*time.Millisecond)).To(Succeed())
			time.Sleep(300 * time.Millisecond)
			Expect(r.eventsOf("music", "track_changed")).To(HaveLen(1))
		})

		It("repeats volume every 200 ms when held past 800 ms", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.press(ctx, "SWC_Buttons.VolUpBtn", 1500*time.Millisecond)).To(Succeed())
			// one step at the press, then at 0.8, 1.0, 1.2 and 1.4 s
			Eventually(func() int { return len(r.eventsOf("music", "volume_changed")) }).Should(BeNumerically(">=", 4))
			time.Sleep(200 * time.Millisecond)
			Expect(len(r.eventsOf("music", "volume_changed"))).To(BeNumerically("~", 5, 1))
		})

		It("misses its budget when made slow, and never reacts before its latency", func(ctx SpecContext) {
			r := mk(ctx, fast("music.next=400ms"), nil)
			r.running(ctx)
			before := media(einride(r.await(ctx, 0x3A0, time.Second, "media status", func(can.Frame) bool { return true })))
			lat := r.reaction(ctx, "SWC_Buttons.NextBtn", func(b ic.SWC_Buttons) bool { return bool(b.NextBtn()) }, 0x3A0, time.Second, "the next track",
				func(f can.Frame) bool { return media(f).TrackIndex() == before.TrackIndex()+1 })
			Expect(lat).To(BeNumerically(">=", 400*time.Millisecond))
		})

		It("loses reactions with the drop fault", func(ctx SpecContext) {
			r := mk(ctx, fast(), []string{"music.next=drop:100%"})
			r.running(ctx)
			Expect(r.press(ctx, "SWC_Buttons.NextBtn", 0)).To(Succeed())
			time.Sleep(300 * time.Millisecond)
			Expect(r.eventsOf("music", "track_changed")).To(BeEmpty())
		})

		It("ducks in reverse gear and restores after", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.set("TCU_Gear.Gear=R")).To(Succeed())
			r.await(ctx, 0x3A0, headunit.Budgets[reaction.Duck]+100*time.Millisecond, "ducked", func(f can.Frame) bool { return bool(media(f).Ducked()) })
			Expect(r.set("TCU_Gear.Gear=D")).To(Succeed())
			r.await(ctx, 0x3A0, time.Second, "restored", func(f can.Frame) bool { return !bool(media(f).Ducked()) })
		})
	})

	Describe("messaging", Label("messaging"), func() {
		It("opens a voice session on the voice button and ducks the music", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			lat := r.reaction(ctx, "SWC_Buttons.VoiceBtn", func(b ic.SWC_Buttons) bool { return bool(b.VoiceBtn()) }, 0x3A4, time.Second, "listening",
				func(f can.Frame) bool {
					return messaging(f).VoiceSession() == ic.IVI_MessagingStatus_VoiceSession_Listening
				})
			Expect(lat).To(BeNumerically("<", headunit.Budgets[reaction.Voice]))
			r.await(ctx, 0x3A0, time.Second, "ducked", func(f can.Frame) bool { return bool(media(f).Ducked()) })
		})

		It("answers a ringing call and hangs up", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.control(headunit.Command{Cmd: "incoming_call"})).To(Succeed())
			r.await(ctx, 0x3A4, time.Second, "ringing", func(f can.Frame) bool {
				return messaging(f).CallState() == ic.IVI_MessagingStatus_CallState_Ringing
			})
			lat := r.reaction(ctx, "SWC_Buttons.PhoneAnswerBtn", func(b ic.SWC_Buttons) bool { return bool(b.PhoneAnswerBtn()) }, 0x3A4, time.Second, "active",
				func(f can.Frame) bool { return messaging(f).CallState() == ic.IVI_MessagingStatus_CallState_Active })
			Expect(lat).To(BeNumerically("<", headunit.Budgets[reaction.Answer]))
			lat = r.reaction(ctx, "SWC_Buttons.PhoneHangupBtn", func(b ic.SWC_Buttons) bool { return bool(b.PhoneHangupBtn()) }, 0x3A4, time.Second, "idle",
				func(f can.Frame) bool { return messaging(f).CallState() == ic.IVI_MessagingStatus_CallState_Idle })
			Expect(lat).To(BeNumerically("<", headunit.Budgets[reaction.Hangup]))
		})

		It("counts an incoming message", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.control(headunit.Command{Cmd: "incoming_message", From: "Alice"})).To(Succeed())
			r.await(ctx, 0x3A4, headunit.Budgets[reaction.Unread], "one unread", func(f can.Frame) bool { return messaging(f).UnreadCount() == 1 })
			// Over the event stream the event may follow the frame.
			Eventually(func() []headunit.Event { return r.eventsOf("messaging", "message_received") }).Should(HaveLen(1))
			Expect(r.eventsOf("messaging", "message_received")[0].Fields).To(HaveKeyWithValue("from", "Alice"))
		})

		It("locks text input above 5 km/h and unlocks at standstill with the parking brake on", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			r.await(ctx, 0x3A4, time.Second, "unlocked at standstill", func(f can.Frame) bool { return !bool(messaging(f).TextInputLocked()) })
			Expect(r.set("ESP_VehicleSpeed.VehicleSpeed=30", "BCM_PowerMode.ParkingBrake=Released")).To(Succeed())
			r.await(ctx, 0x3A4, headunit.Budgets[reaction.TextLock]+100*time.Millisecond, "locked", func(f can.Frame) bool { return bool(messaging(f).TextInputLocked()) })
			Eventually(func() bool {
				for _, e := range r.eventsOf("messaging", "text_lock") {
					if e.Fields["locked"] == true {
						return true
					}
				}
				return false
			}).Should(BeTrue(), "the lock is reported")
			// BCM_PowerMode goes out every 100 ms: wait until the release is on the bus.
			r.await(ctx, 0x1C0, time.Second, "the parking brake released", func(f can.Frame) bool {
				var b ic.BCM_PowerMode
				return b.UnmarshalFrame(f) == nil && !bool(b.ParkingBrake())
			})
			locks := len(r.eventsOf("messaging", "text_lock"))
			Expect(r.set("ESP_VehicleSpeed.VehicleSpeed=0")).To(Succeed())
			Consistently(func() int { return len(r.eventsOf("messaging", "text_lock")) }, 300*time.Millisecond).Should(Equal(locks), func() string {
				return fmt.Sprintf("standstill without the parking brake keeps it locked; text_lock events: %v; inputs lost: %v", r.eventsOf("messaging", "text_lock"), r.eventsOf("vehicle", "input_lost"))
			})
			Expect(r.set("BCM_PowerMode.ParkingBrake=Applied")).To(Succeed())
			r.await(ctx, 0x3A4, time.Second, "unlocked", func(f can.Frame) bool { return !bool(messaging(f).TextInputLocked()) })
		})

		DescribeTable("fails safe: text input locks when the speed is lost or invalid",
			func(ctx SpecContext, lose func(r *rig)) {
				r := mk(ctx, fast(), nil)
				r.running(ctx)
				r.await(ctx, 0x3A4, time.Second, "unlocked at standstill", func(f can.Frame) bool { return !bool(messaging(f).TextInputLocked()) })
				lose(r)
				r.await(ctx, 0x3A4, time.Second, "locked", func(f can.Frame) bool { return bool(messaging(f).TextInputLocked()) })
			},
			Entry("ESP_VehicleSpeed stops arriving", func(r *rig) { Expect(r.silence("ESP_VehicleSpeed")).To(Succeed()) }),
			Entry("SpeedValid turns invalid", func(r *rig) { Expect(r.set("ESP_VehicleSpeed.SpeedValid=Invalid")).To(Succeed()) }),
		)
	})

	Describe("navigation", Label("navigation"), func() {
		It("shows the camera in reverse and the map after", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.set("TCU_Gear.Gear=R")).To(Succeed())
			r.await(ctx, 0x3A8, headunit.Budgets[reaction.Camera]+100*time.Millisecond, "camera", func(f can.Frame) bool {
				return nav(f).Display() == ic.IVI_NavStatus_Display_Camera
			})
			Expect(r.set("TCU_Gear.Gear=N")).To(Succeed())
			r.await(ctx, 0x3A8, time.Second, "map", func(f can.Frame) bool { return nav(f).Display() == ic.IVI_NavStatus_Display_Map })
		})

		It("turns the theme to night with the light sensor", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.set("BCM_PowerMode.NightMode=1")).To(Succeed())
			r.await(ctx, 0x3A8, headunit.Budgets[reaction.Theme]+200*time.Millisecond, "night", func(f can.Frame) bool {
				return nav(f).Theme() == ic.IVI_NavStatus_Theme_Night
			})
		})

		It("counts the guidance distance down with the vehicle speed", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil, "ESP_VehicleSpeed.VehicleSpeed=36") // 10 m/s
			r.running(ctx)
			Expect(r.control(headunit.Command{Cmd: "start_guidance", Maneuver: "Left", Distance: 500})).To(Succeed())
			first := r.await(ctx, 0x3A8, time.Second, "guidance", func(f can.Frame) bool { return bool(nav(f).GuidanceActive()) })
			time.Sleep(time.Second)
			later := r.await(ctx, 0x3A8, time.Second, "guidance", func(f can.Frame) bool { return bool(nav(f).GuidanceActive()) })
			d0, d1 := nav(einride(first)).DistanceToManeuver(), nav(einride(later)).DistanceToManeuver()
			elapsed := later.Time.Sub(first.Time).Seconds()
			Expect(float64(d0)-float64(d1)).To(BeNumerically("~", 10*elapsed, 3), "10 m/s")
		})
	})

	Describe("like a real ECU", Label("vehicle"), func() {
		It("ignores frames with a wrong CRC or a counter that did not advance", func(ctx SpecContext) {
			r := mk(ctx, fast(), nil)
			r.running(ctx)
			Expect(r.silence("SWC_Buttons")).To(Succeed())
			l, _ := e2e.LayoutOf(ic.NewSWC_Buttons().Descriptor(), e2e.DefaultNames)
			frame := func(counter uint8, next bool, corrupt bool) canbus.Frame {
				f := ic.NewSWC_Buttons().SetNextBtn(ic.SWC_Buttons_NextBtn(next)).Frame()
				l.Seal(f.Data[:f.Length], int(counter))
				if corrupt {
					f.Data[0] ^= 0xFF
				}
				return canbus.FromEinride(f)
			}
			send := func(f canbus.Frame) {
				Expect(r.send(ctx, f)).To(Succeed())
				time.Sleep(20 * time.Millisecond)
			}
			send(frame(3, false, false))
			send(frame(4, true, true)) // bad CRC: ignored
			send(frame(5, false, false))
			send(frame(5, true, false)) // counter did not advance: ignored
			send(frame(6, false, false))
			time.Sleep(200 * time.Millisecond)
			Expect(r.eventsOf("music", "track_changed")).To(BeEmpty())
			Eventually(func() int { return len(r.eventsOf("vehicle", "input_ignored")) }).Should(Equal(2))
			send(frame(7, true, false)) // good: a press
			Eventually(func() int { return len(r.eventsOf("music", "track_changed")) }, time.Second).Should(Equal(1))
		})
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var _ = Describe("the event stream", Label("messaging"), func() {
	for _, network := range []string{"tcp", "unix"} {
		It("reports reactions as JSON lines and takes control lines, over "+network, func(ctx SpecContext) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = "unix:" + filepath.Join(GinkgoT().TempDir(), "events.sock")
			}
			srv, err := headunit.ListenEvents(addr)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(srv.Close)
			var s headunit.Settings
			Expect(s.SetLatency("vehicle.ready=150ms")).To(Succeed())
			v := canbus.NewVirtual("events-" + network)
			dut, restPort := v.Open(), v.Open()
			DeferCleanup(dut.Close)
			DeferCleanup(restPort.Close)
			unit := headunit.New(dut, s, headunit.WithEvents(srv.Publish))
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 2)
			go func() { done <- unit.Run(runCtx) }()
			go func() { done <- srv.Serve(runCtx, unit) }()
			DeferCleanup(func() { stop(); Eventually(done).Should(Receive(BeNil())); Eventually(done).Should(Receive(BeNil())) })
			n, a, _ := strings.Cut(srv.Addr(), ":")
			if n != "unix" {
				a = srv.Addr()
				n = "tcp"
			}
			conn, err := net.Dial(n, a)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(conn.Close)
			lines := bufio.NewScanner(conn)
			Eventually(srv.Clients).Should(Equal(1))
			// The car wakes up only now, so the stream sees the boot.
			db, _ := candb.Parse("infotainment.dbc", dbc.Infotainment)
			rest, err := restbus.Start(runCtx, restPort, db, "IVI")
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(rest.Stop)
			next := func(event string) map[string]any {
				GinkgoHelper()
				conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				for lines.Scan() {
					var obj map[string]any
					Expect(json.Unmarshal(lines.Bytes(), &obj)).To(Succeed(), lines.Text())
					Expect(obj).To(HaveKey("time"))
					if obj["event"] == event {
						return obj
					}
				}
				Fail("no " + event + " event: " + fmt.Sprint(lines.Err()))
				return nil
			}
			Expect(next("power_state")).To(HaveKeyWithValue("service", "vehicle"))
			Expect(next("ready")).To(HaveKeyWithValue("service", BeElementOf("messaging", "music", "navigation")), "the ready event's service is the service that became ready")
			Expect(next("power_state")).To(HaveKeyWithValue("state", "Running"))

			go rest.Press(ctx, "SWC_Buttons.NextBtn", 0)
			Expect(next("track_changed")).To(And(HaveKeyWithValue("service", "music"), HaveKeyWithValue("track", BeNumerically("==", 1))))

			fmt.Fprintln(conn, `{"cmd": "incoming_call"}`)
			Expect(next("call_state")).To(HaveKeyWithValue("state", "Ringing"))
			go rest.Press(ctx, "SWC_Buttons.PhoneAnswerBtn", 0)
			Expect(next("call_state")).To(HaveKeyWithValue("state", "Active"))

			fmt.Fprintln(conn, `{"cmd": "incoming_message", "from": "Alice"}`)
			Expect(next("message_received")).To(And(HaveKeyWithValue("from", "Alice"), HaveKeyWithValue("unread", BeNumerically("==", 1))))

			fmt.Fprintln(conn, `{"cmd": "fly"}`)
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			Expect(lines.Scan()).To(BeTrue())
			Expect(lines.Text()).To(ContainSubstring(`unknown cmd \"fly\"`))
		})
	}
})
