// Package usersig issues and checks UserSigs, the login tickets of Tencent
// Cloud IM's TLSSigAPIv2, so that tokens minted by the reference libraries
// work against Parley and Parley's tokens work against reference clients.
//
// A UserSig is a JSON document of claims and an HMAC-SHA256 over a fixed
// text rendering of those claims, keyed with the app's secret key used as
// raw bytes. The JSON is zlib-compressed and base64-encoded with the
// URL-friendly substitutions '+'→'*', '/'→'-' and '='→'_'.
//
// The package is a leaf: it knows nothing of apps, accounts or wire error
// codes. Callers look up the key for an sdkappid, call [Verify], and map the
// sentinel errors to reference codes at their edge.
package usersig
