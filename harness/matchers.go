package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/onsi/gomega/types"
)

// ReactWithin matches a *Stimulus that the DUT answers, with a frame that
// meets the expectation, within d of the stimulus frame on the bus clock:
//
//	Expect(bench.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.ReactWithin(150*time.Millisecond,
//		harness.Emits(&ivi.IVI_MediaStatus{}, HaveField("TrackIndex()", BeEquivalentTo(want)))))
//
// It waits longer than d (d again, at least a second), so a late reaction
// is reported with its latency rather than as none at all.
//
// A reaction key, when given, leads the failure message, as in a budget
// failure: "music.next: the press of ... reacted in 400ms, more than 150ms".
func ReactWithin(d time.Duration, exp Expectation, key ...string) types.GomegaMatcher {
	return &reactMatcher{within: d, exp: exp, key: strings.Join(key, ", ")}
}

type reactMatcher struct {
	within time.Duration
	exp    Expectation
	key    string
	r      Reaction
}

func (m *reactMatcher) Match(actual any) (bool, error) {
	s, err := asStimulus("ReactWithin", actual)
	if err != nil {
		return false, err
	}
	// Wait past the limit, so a late reaction is reported with its latency.
	grace := max(m.within, time.Second)
	m.r = s.Until(s.ctx, m.exp, m.within+grace)
	return m.r.Err == nil && m.r.Latency <= m.within, nil
}

func (m *reactMatcher) FailureMessage(actual any) string {
	prefix := ""
	if m.key != "" {
		prefix = m.key + ": "
	}
	if m.r.Err != nil {
		return prefix + m.r.Err.Error()
	}
	return fmt.Sprintf("%s%v reacted in %v, more than %v: %s at %s (%s clock)", prefix, actual, m.r.Latency.Round(time.Microsecond), m.within,
		m.exp.message, m.r.Reaction.Time.Format("15:04:05.000000"), m.r.Reaction.Source)
}

func (m *reactMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("%v reacted in %v, within %v; use NotReactWithin for a reaction that must not happen", actual, m.r.Latency, m.within)
}

func asStimulus(matcher string, actual any) (*Stimulus, error) {
	s, ok := actual.(*Stimulus)
	if !ok {
		return nil, fmt.Errorf("%s wants the *harness.Stimulus of Press, Hold, Change, Send, Replay or Control, got %T", matcher, actual)
	}
	return s, nil
}

// NotReactWithin matches a *Stimulus that the DUT does not answer with a
// frame meeting the expectation for the whole window (Gomega's Consistently,
// judged on bus timestamps): a dropped press, a locked feature.
func NotReactWithin(window time.Duration, exp Expectation) types.GomegaMatcher {
	return &quietMatcher{window: window, exp: exp}
}

type quietMatcher struct {
	window time.Duration
	exp    Expectation
	err    error
}

func (m *quietMatcher) Match(actual any) (bool, error) {
	s, err := asStimulus("NotReactWithin", actual)
	if err != nil {
		return false, err
	}
	m.err = s.NotWithin(s.ctx, m.exp, m.window)
	return m.err == nil, nil
}

func (m *quietMatcher) FailureMessage(actual any) string { return m.err.Error() }

func (m *quietMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("%v: no reaction within %v", actual, m.window)
}

// CycleTimes are measured intervals of a message against its DBC cycle time.
type CycleTimes struct {
	Message   string
	Nominal   time.Duration
	Intervals []time.Duration
	Times     []time.Time // the frame that ended each interval
}

// HoldCycleTime matches CycleTimes whose every interval is within tolerance
// (a fraction: 0.1 is ±10 %) of the nominal cycle time, as CANoe's cycle
// time check does. A failure names the worst interval and when it ended.
func HoldCycleTime(tolerance float64) types.GomegaMatcher {
	return &cycleMatcher{tol: tolerance}
}

type cycleMatcher struct {
	tol float64
	bad []string
	sum string
}

func (m *cycleMatcher) Match(actual any) (bool, error) {
	c, ok := actual.(CycleTimes)
	if !ok {
		return false, fmt.Errorf("HoldCycleTime wants harness.CycleTimes, got %T", actual)
	}
	if len(c.Intervals) == 0 || c.Nominal <= 0 {
		return false, fmt.Errorf("HoldCycleTime: %s: no intervals or no nominal cycle time", c.Message)
	}
	lo := time.Duration(float64(c.Nominal) * (1 - m.tol))
	hi := time.Duration(float64(c.Nominal) * (1 + m.tol))
	m.bad = nil
	for i, d := range c.Intervals {
		if d < lo || d > hi {
			m.bad = append(m.bad, fmt.Sprintf("%v ending %s", d.Round(time.Microsecond), c.Times[i].Format("15:04:05.000000")))
		}
	}
	ds := slices.Clone(c.Intervals)
	slices.Sort(ds)
	m.sum = fmt.Sprintf("%s: %d intervals, min %v, median %v, max %v, nominal %v ±%.0f%% [%v, %v]", c.Message, len(ds),
		ds[0].Round(time.Microsecond), ds[len(ds)/2].Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond),
		c.Nominal, m.tol*100, lo, hi)
	return len(m.bad) == 0, nil
}

func (m *cycleMatcher) FailureMessage(actual any) string {
	shown := m.bad
	if len(shown) > 5 {
		shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(m.bad)-5))
	}
	return fmt.Sprintf("cycle time out of tolerance: %s; %d intervals outside: %v", m.sum, len(m.bad), shown)
}

func (m *cycleMatcher) NegatedFailureMessage(actual any) string {
	return "expected the cycle time to break its tolerance, but it held: " + m.sum
}

// MeetBudget matches Samples that meet their key's budget: p95 and max. A
// failure names the key, the measured figures and the budget; samples taken
// while the bus dropped frames fail as invalid. Without budgets it judges
// by the budget file of the bench that took the samples (Bench.Sample); a
// set gathered by hand (Samples.Add) is judged by the budgets given.
func MeetBudget(budgets ...latency.Budgets) types.GomegaMatcher {
	return &budgetMatcher{budgets: budgets}
}

type budgetMatcher struct {
	budgets []latency.Budgets
	err     error
}

func (m *budgetMatcher) Match(actual any) (bool, error) {
	s, ok := actual.(Samples)
	if !ok {
		return false, fmt.Errorf("MeetBudget wants harness.Samples, got %T", actual)
	}
	budgets := s.budgets
	for _, b := range m.budgets {
		budgets = b // the last given
	}
	if budgets == nil {
		return false, fmt.Errorf("MeetBudget: the samples of %s came from no bench and no budgets were given: MeetBudget(bench.Budgets)", s.Key)
	}
	m.err = budgets.Judge(s.Key, s.Stats())
	return m.err == nil, nil
}

func (m *budgetMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("latency budget missed: %v", m.err)
}

func (m *budgetMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected %v to miss its budget, but it met it", actual)
}
