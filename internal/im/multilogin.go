package im

// Multi-login policies: how many client sessions one user may hold at once.
// An app picks one in its settings (tenant validates the choice) and the
// account package applies it at every login; they are spelled here once
// because those two packages may not import each other.
const (
	// SinglePlatform: a new login displaces every older session.
	SinglePlatform = "SinglePlatform"
	// OnePerPlatform: a new login displaces the older sessions of its
	// platform. It is the default.
	OnePerPlatform = "OnePerPlatform"
	// Unlimited: logins never displace each other.
	Unlimited = "Unlimited"
)
