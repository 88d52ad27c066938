package canraw_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canraw"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

func open(iface string, opts ...canbus.Option) *canraw.Conn {
	GinkgoHelper()
	c, err := canraw.Open(iface, opts...)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(c.Close)
	return c
}

func next(ctx context.Context, b canbus.Bus) canbus.Received {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r, err := b.Receive(ctx)
	Expect(err).NotTo(HaveOccurred())
	return r
}

func cansend(iface, frame string) {
	GinkgoHelper()
	out, err := exec.Command(specs.Tool("cansend"), iface, frame).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
}

// Measure prints a figure where ci/test's output shows it.
func measure(format string, a ...any) {
	fmt.Printf("\nMEASURE: "+format+"\n", a...)
	AddReportEntry("measure", fmt.Sprintf(format, a...))
}

func percentiles(ds []time.Duration) (p50, p99, max time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1))] }
	return at(0.50), at(0.99), s[len(s)-1]
}

var _ = Describe("a CAN_RAW socket", Label("vcan"), func() {
	var iface string
	BeforeEach(func() {
		iface = specs.VCAN(0)
		goroutines := gleak.Goroutines()
		DeferCleanup(func() { Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(goroutines)) })
	})

	It("receives what cansend sends, stamped by the kernel", func(ctx SpecContext) {
		c := open(iface)
		for _, f := range []string{"123#DEADBEEF", "12345678#001122", "123#R", "123#R8", "7FF#"} {
			before := time.Now()
			cansend(iface, f)
			r := next(ctx, c)
			Expect(r.String()).To(Equal(f))
			Expect(r.Source).To(Equal(canbus.SourceKernel))
			Expect(r.Dir).To(Equal(canbus.TX), "cansend runs on this host: the kernel marks it MSG_DONTROUTE")
			Expect(r.Own).To(BeFalse())
			Expect(r.Interface).To(Equal(iface))
			Expect(r.Time).To(BeTemporally(">=", before.Add(-time.Millisecond)))
		}
		Expect(c.Stats().In).To(BeEquivalentTo(5))
	})

	It("echoes its own frames with the same kernel timestamp other receivers see", func(ctx SpecContext) {
		tx := open(iface, canbus.WithEcho())
		other := open(iface)
		Expect(tx.Send(ctx, canbus.MustParseFrame("321#CAFE"))).To(Succeed())
		echo, seen := next(ctx, tx), next(ctx, other)
		Expect(echo.Own).To(BeTrue())
		Expect(echo.Dir).To(Equal(canbus.TX))
		Expect(echo.Source).To(Equal(canbus.SourceKernel))
		Expect(seen.Own).To(BeFalse())
		Expect(echo.Time).To(Equal(seen.Time), "one skb, one timestamp")
		Expect(tx.Stats().Out).To(BeEquivalentTo(1))
	})

	It("filters in the kernel as candump's ID:MASK and ID~MASK do", func(ctx SpecContext) {
		fs, _, err := canbus.ParseFilters("100:7F0,7FF~7FF")
		Expect(err).NotTo(HaveOccurred())
		c := open(iface, canbus.WithFilters(fs...))
		tx := open(iface)
		for _, f := range []string{"200#01", "10A#02", "7FF#03", "555#04"} {
			Expect(tx.Send(ctx, canbus.MustParseFrame(f))).To(Succeed())
		}
		got := []string{next(ctx, c).String(), next(ctx, c).String(), next(ctx, c).String()}
		Expect(got).To(Equal([]string{"200#01", "10A#02", "555#04"}))
	})

	It("receives error frames only with an error mask, decoded", func(ctx SpecContext) {
		errs := open(iface, canbus.WithErrorMask(canbus.ErrMaskAll))
		plain := open(iface)
		cansend(iface, "20000040#0000000000000000")
		cansend(iface, "20000004#0010000000000000")
		cansend(iface, "123#00")
		r := next(ctx, errs)
		info, ok := canbus.DecodeError(&r.Frame)
		Expect(ok).To(BeTrue())
		Expect(info.BusOff()).To(BeTrue())
		r = next(ctx, errs)
		info, _ = canbus.DecodeError(&r.Frame)
		Expect(info.Passive()).To(BeTrue())
		Expect(errs.Stats().Errors).To(BeEquivalentTo(2))
		Expect(next(ctx, plain).String()).To(Equal("123#00"))
	})

	It("carries CAN FD frames on an interface with MTU 72", func(ctx SpecContext) {
		c := open(iface)
		Expect(c.FD()).To(BeTrue())
		tx := open(iface)
		f := canbus.MustParseFrame("123##1" + "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF")
		Expect(tx.Send(ctx, f)).To(Succeed())
		r := next(ctx, c)
		Expect(r.FD).To(BeTrue())
		Expect(r.Len).To(BeEquivalentTo(32))
		Expect(r.Payload()).To(Equal(f.Payload()))
		Expect(r.Flags & canbus.FlagBRS).NotTo(BeZero())
	})

	It("counts every frame the receive queue dropped", func(ctx SpecContext) {
		slow := open(iface, canbus.WithReceiveBuffer(1))
		tx := open(iface)
		const sent = 3000
		for i := 0; i < sent; i++ {
			Expect(tx.Send(ctx, canbus.Frame{ID: 0x100, Len: 2, Data: [64]byte{byte(i >> 8), byte(i)}})).To(Succeed())
		}
		received := 0
		for {
			rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			_, err := slow.Receive(rctx)
			cancel()
			if err != nil {
				break
			}
			received++
		}
		st := slow.Stats()
		measure("drop accounting: sent %d, received %d, dropped %d", sent, received, st.Dropped)
		Expect(st.Dropped).To(BeNumerically(">", 0), "a 1-byte buffer must overflow")
		Expect(uint64(received) + st.Dropped).To(BeEquivalentTo(sent))
	})

	It("returns from a blocked Receive when the context ends or the socket closes", func(ctx SpecContext) {
		c := open(iface)
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := c.Receive(cctx)
		Expect(err).To(MatchError(context.DeadlineExceeded))
		go func() { time.Sleep(20 * time.Millisecond); c.Close() }()
		_, err = c.Receive(ctx)
		Expect(err).To(MatchError(canbus.ErrClosed))
	})

	It("names the missing interface and says how to create it", func() {
		_, err := canraw.Open("vcan99")
		Expect(err).To(MatchError(canraw.ErrNoInterface))
		Expect(err.Error()).To(ContainSubstring("ip link add vcan99 type vcan"))
	})

	It("receives without allocating in steady state", func(ctx SpecContext) {
		c := open(iface, canbus.WithReceiveBuffer(8<<20))
		tx := open(iface)
		for i := 0; i < 1200; i++ {
			Expect(tx.Send(ctx, canbus.MustParseFrame("123#0011223344556677"))).To(Succeed())
		}
		next(ctx, c) // the first call arms the context watch
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := c.Receive(ctx); err != nil {
				panic(err)
			}
		})
		measure("receive path: %.2f allocations per frame", allocs)
		Expect(allocs).To(BeZero())
	})
})

var _ = Describe("kernel cyclic transmission (BCM)", Label("vcan"), func() {
	It("cycles a sequence and updates data without restarting it", func(ctx SpecContext) {
		iface := specs.VCAN(0)
		rx := open(iface)
		bcm, err := canraw.OpenBCM(iface)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(bcm.Close)
		seq := make([]canbus.Frame, 16)
		for i := range seq {
			seq[i] = canbus.Frame{ID: 0x200, Len: 2, Data: [64]byte{0xA0, byte(i)}}
		}
		cyc, err := bcm.Start(ctx, 5*time.Millisecond, seq...)
		Expect(err).NotTo(HaveOccurred())
		for i := 0; i < 20; i++ {
			r := next(ctx, rx)
			Expect(r.Data[1]).To(BeEquivalentTo(i%16), "the counter runs through the sequence")
		}
		upd := make([]canbus.Frame, 16)
		for i := range upd {
			upd[i] = canbus.Frame{ID: 0x200, Len: 2, Data: [64]byte{0xB0, byte(i)}}
		}
		Expect(cyc.Update(upd...)).To(Succeed())
		var last byte = 255
		for seen := 0; seen < 10; {
			r := next(ctx, rx)
			if r.Data[0] != 0xB0 {
				last = r.Data[1]
				continue
			}
			if last != 255 {
				Expect(r.Data[1]).To(Equal((last+1)%16), "the update kept the position in the sequence")
			}
			last = r.Data[1]
			seen++
		}
		Expect(cyc.Stop()).To(Succeed())
		Expect(cyc.Update(upd...)).To(MatchError(ContainSubstring("stopped")))
	})

	// The jitter comparison is a measurement, printed for the note: which
	// sender is steadier depends on the load of the machine, and a timed
	// assertion on it would flake. What is asserted is that the kernel keeps
	// the period: over 1000 periods the mean stays within 5% of 10 ms (the
	// sandbox kernel runs about 1.7% long, docs/design.md section 9).
	It("keeps a 10 ms period in the kernel, jitter measured next to a Go ticker's", Label("slow"), func(ctx SpecContext) {
		iface := specs.VCAN(0)
		const periods = 1000
		const period = 10 * time.Millisecond
		var span time.Duration
		jitter := func(rx *canraw.Conn) []time.Duration {
			var first, prev time.Time
			var js []time.Duration
			for len(js) < periods {
				r := next(ctx, rx)
				if first.IsZero() {
					first = r.Time
				}
				if !prev.IsZero() {
					js = append(js, (r.Time.Sub(prev) - period).Abs())
				}
				prev = r.Time
			}
			span = prev.Sub(first)
			return js
		}
		frame := canbus.MustParseFrame("300#00")
		rx := open(iface, canbus.WithFilters(canbus.Filter{ID: 0x300, Mask: 0x7ff}))
		bcm, err := canraw.OpenBCM(iface)
		Expect(err).NotTo(HaveOccurred())
		cyc, err := bcm.Start(ctx, period, frame)
		Expect(err).NotTo(HaveOccurred())
		bj := jitter(rx)
		bcmMean := span / periods
		cyc.Stop()
		bcm.Close()

		tx := open(iface)
		tick, err := canbus.StartTicker(ctx, tx, period, frame)
		Expect(err).NotTo(HaveOccurred())
		tj := jitter(rx)
		Expect(tick.Stop()).To(Succeed())

		b50, b99, bmax := percentiles(bj)
		t50, t99, tmax := percentiles(tj)
		measure("period jitter over %d x %v (kernel RX timestamps): BCM p50 %v p99 %v max %v (mean period %v); Go ticker p50 %v p99 %v max %v",
			periods, period, b50, b99, bmax, bcmMean, t50, t99, tmax)
		Expect(bcmMean).To(BeNumerically("~", period, period/20), "the kernel keeps the period")
	}, SpecTimeout(2*time.Minute))
})

// txPackets is how many frames the interface has carried, as the kernel
// counts them: the reference a receiver's frames and drops must add up to.
func txPackets(iface string) uint64 {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join("/sys/class/net", iface, "statistics", "tx_packets"))
	Expect(err).NotTo(HaveOccurred())
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	Expect(err).NotTo(HaveOccurred())
	return n
}

// loadBus starts six BCM messages at 500 µs (12,000 frames/s nominal): the
// sandbox kernel's timer cannot re-arm one message every 125 µs, and its
// periods run long when the host is busy, so six timers share the load and
// keep it above 8,000 frames/s. It returns a stop that ends them.
func loadBus(ctx context.Context, iface string) (stop func()) {
	GinkgoHelper()
	bcm, err := canraw.OpenBCM(iface)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bcm.Close)
	var cycles []*canraw.BCMCyclic
	for i := 0; i < 6; i++ {
		cyc, err := bcm.Start(ctx, 500*time.Microsecond, canbus.Frame{ID: 0x7E0 + uint32(i), Len: 8})
		Expect(err).NotTo(HaveOccurred())
		cycles = append(cycles, cyc)
	}
	return func() {
		GinkgoHelper()
		for _, cyc := range cycles {
			Expect(cyc.Stop()).To(Succeed())
		}
	}
}

// drain receives until the socket has been idle for 200 ms and returns how
// many frames it read.
func drain(ctx context.Context, rx canbus.Bus) int {
	n := 0
	for {
		rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		_, err := rx.Receive(rctx)
		cancel()
		if err != nil {
			return n
		}
		n++
	}
}

var _ = Describe("receiving a fully loaded 1 Mbit/s bus", Label("vcan"), func() {
	// The promise is that nothing is lost uncounted: every frame the
	// interface carried was either received or counted as dropped. Whether
	// none is dropped depends on the host: in the sandbox, a host that
	// stalls the sandbox's one CPU for longer than the buffer holds (1 MiB,
	// about 100 ms at this rate) makes the kernel drop, and says so.
	It("takes at least 8,000 frames/s for 2 s with a 1 MiB buffer, and every frame is received or counted as dropped", Label("slow"), func(ctx SpecContext) {
		iface := specs.VCAN(0)
		rx := open(iface, canbus.WithReceiveBuffer(1<<20))
		tx0 := txPackets(iface)
		stop := loadBus(ctx, iface)
		loaded := time.Now()
		var first, last time.Time
		received := 0
		for last.Sub(first) < 2*time.Second {
			r := next(ctx, rx)
			if first.IsZero() {
				first = r.Time
			}
			last = r.Time
			received++
		}
		received1 := received
		stop()
		elapsed := time.Since(loaded)
		carried := txPackets(iface) - tx0
		received += drain(ctx, rx)
		st := rx.Stats()
		// The bus's rate is what the interface carried: frames the reader
		// dropped were on the bus too, and a rate from the received ones
		// alone takes drops for a light load.
		rate := float64(carried) / elapsed.Seconds()
		measure("8,000 frames/s target: the interface carried %d frames in %v (%.0f frames/s); the reader received %d in its first %v by kernel timestamps, %d in all, and dropped %d (counted)",
			carried, elapsed.Round(time.Millisecond), rate, received1, last.Sub(first).Round(time.Millisecond), received, st.Dropped)
		Expect(rate).To(BeNumerically(">=", 8000), "the BCM must really have loaded the bus")
		Expect(uint64(received)+st.Dropped).To(Equal(carried), "frames received + frames counted as dropped = frames the interface carried")
	}, SpecTimeout(time.Minute))

	It("counts every frame it drops when its reader stalls (the control: the same sum with drops forced)", func(ctx SpecContext) {
		iface := specs.VCAN(0)
		// The kernel's smallest buffer, and a reader that does not read
		// while the bus runs: drops are certain.
		rx := open(iface, canbus.WithReceiveBuffer(1))
		tx0 := txPackets(iface)
		stop := loadBus(ctx, iface)
		time.Sleep(300 * time.Millisecond)
		stop()
		carried := txPackets(iface) - tx0
		received := drain(ctx, rx)
		st := rx.Stats()
		measure("stalled reader, smallest buffer: the interface carried %d frames, received %d, dropped %d (counted)", carried, received, st.Dropped)
		Expect(st.Dropped).NotTo(BeZero(), "a reader that stalls on the smallest buffer drops")
		Expect(uint64(received)+st.Dropped).To(Equal(carried), "frames received + frames counted as dropped = frames the interface carried")
	}, SpecTimeout(time.Minute))
})

var _ = Describe("kernel timestamps on a round trip through cangw", Label("vcan"), func() {
	It("measures vcan0 → cangw → vcan1 with TX echo and RX timestamps, next to user space", func(ctx SpecContext) {
		a, b := specs.VCAN(0), specs.VCAN(1)
		cangw := specs.Tool("cangw")
		rule := []string{"-s", a, "-d", b, "-e", "-f", "123:7FF", "-m", "SET:I:456.0.0000000000000000"}
		out, err := exec.Command(cangw, append([]string{"-A"}, rule...)...).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		DeferCleanup(func() { exec.Command(cangw, "-F").Run() })
		tx := open(a, canbus.WithEcho(), canbus.WithFilters(canbus.Filter{ID: 0x123, Mask: 0x7ff}))
		rx := open(b)
		const n = 500
		var kernel, user []time.Duration
		for i := 0; i < n; i++ {
			t0 := time.Now()
			Expect(tx.Send(ctx, canbus.MustParseFrame("123#01"))).To(Succeed())
			r := next(ctx, rx)
			t1 := time.Now()
			echo := next(ctx, tx)
			Expect(r.ID).To(BeEquivalentTo(0x456), "cangw rewrote the ID")
			Expect(echo.Own).To(BeTrue())
			kernel = append(kernel, r.Time.Sub(echo.Time))
			user = append(user, t1.Sub(t0))
		}
		k50, k99, kmax := percentiles(kernel)
		u50, u99, umax := percentiles(user)
		measure("cangw round trip over %d frames: kernel timestamps p50 %v p99 %v max %v; user-space time.Now p50 %v p99 %v max %v",
			n, k50, k99, kmax, u50, u99, umax)
		Expect(k50).To(BeNumerically("<", u50), "the kernel sees the reaction before user space does")
	})
})
