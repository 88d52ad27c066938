// Package reaction names the reference head unit's reaction keys
// (docs/design.md section 4) once: the budget file's keys, the catalogue's
// coverage labels and waits, the simulator's --latency and --fault keys
// and their help texts all come from here, so a misspelled key does not
// compile. It imports nothing: the catalogue uses it without linking the
// simulator.
package reaction

// The reaction keys, each a stimulus and the DUT's reaction within a
// budget.
const (
	Voice     = "messaging.voice"     // VoiceBtn starts or ends a voice session
	TextLock  = "messaging.text_lock" // text input locks above 5 km/h
	Answer    = "messaging.answer"    // PhoneAnswerBtn takes a call
	Hangup    = "messaging.hangup"    // PhoneHangupBtn ends it
	Unread    = "messaging.unread"    // an incoming message counts as unread
	Next      = "music.next"          // NextBtn: the next track
	Prev      = "music.prev"          // PrevBtn: the track before
	PlayPause = "music.play_pause"    // PlayPauseBtn toggles playback
	Volume    = "music.volume"        // VolUpBtn, VolDownBtn: one step
	Mute      = "music.mute"          // MuteBtn toggles mute
	Source    = "music.source"        // SourceBtn: the next source
	Duck      = "music.duck"          // music ducks for reverse, a call or a voice session
	Camera    = "navigation.camera"   // reverse gear shows the camera
	Theme     = "navigation.theme"    // NightMode switches the theme
	Guidance  = "navigation.guidance" // guidance starts and stops
	Ready     = "vehicle.ready"       // power ON boots the unit
	Standby   = "vehicle.standby"     // power OFF puts it in standby
)

// Keys are every reaction key, sorted.
func Keys() []string {
	return []string{Answer, Hangup, TextLock, Unread, Voice, Duck, Mute, Next, PlayPause, Prev, Source, Volume, Camera, Guidance, Theme, Ready, Standby}
}
