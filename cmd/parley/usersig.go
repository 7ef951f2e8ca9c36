package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/usersig"
)

// keyFlags locate an app's secret key: given directly, in a file, or in the
// data directory where the first start wrote it.
type keyFlags struct {
	sdkAppID *uint64
	key      *string
	keyFile  *string
	data     *string
}

func addKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{
		sdkAppID: fs.Uint64("sdkappid", 0, "SDKAppID (default: the only app-<id>.key in --data)"),
		key:      fs.String("key", "", "secret key (prefer --key-file or $PARLEY_SECRET_KEY: flags show in ps)"),
		keyFile:  fs.String("key-file", "", "file holding the secret key"),
		data:     fs.String("data", envOr("PARLEY_DATA", app.DefaultDataDir), "data directory holding app-<sdkappid>.key [$PARLEY_DATA]"),
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// resolve returns the SDKAppID and key the flags point at.
func (k keyFlags) resolve() (uint64, string, error) {
	id, key := *k.sdkAppID, *k.key
	if key == "" {
		key = os.Getenv("PARLEY_SECRET_KEY")
	}
	if key != "" {
		if id == 0 {
			return 0, "", errors.New("--sdkappid is required with --key")
		}
		return id, key, nil
	}
	path := *k.keyFile
	if path == "" {
		if id == 0 {
			matches, _ := filepath.Glob(filepath.Join(*k.data, "app-*.key"))
			if len(matches) != 1 {
				return 0, "", fmt.Errorf("found %d key files in %s: pass --sdkappid, --key-file or --key", len(matches), *k.data)
			}
			path = matches[0]
		} else {
			path = filepath.Join(*k.data, fmt.Sprintf("app-%d.key", id))
		}
	}
	if id == 0 {
		base := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "app-"), ".key")
		n, err := strconv.ParseUint(base, 10, 32)
		if err != nil {
			return 0, "", fmt.Errorf("cannot tell the SDKAppID from %s: pass --sdkappid", path)
		}
		id = n
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", fmt.Errorf("secret key: %w", err)
	}
	return id, strings.TrimSpace(string(b)), nil
}

func usersigCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, "Usage: parley usersig gen|verify [flags]\n")
		return errUsage
	}
	switch args[0] {
	case "gen":
		return usersigGen(args[1:], stdout, stderr)
	case "verify":
		return usersigVerify(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "parley usersig: unknown command %q (want gen or verify)\n", args[0])
	return errUsage
}

func usersigGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley usersig gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := addKeyFlags(fs)
	identifier := fs.String("identifier", "administrator", "UserID to sign for")
	expire := fs.Int64("expire", 7*24*3600, "validity in seconds")
	userBuf := fs.String("userbuf", "", "optional userbuf (raw bytes as given)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	id, key, err := keys.resolve()
	if err != nil {
		return err
	}
	var sig string
	if *userBuf != "" {
		sig, err = usersig.GenWithUserBuf(id, key, *identifier, *expire, time.Now(), []byte(*userBuf))
	} else {
		sig, err = usersig.Gen(id, key, *identifier, *expire, time.Now())
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, sig)
	return nil
}

func usersigVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley usersig verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := addKeyFlags(fs)
	identifier := fs.String("identifier", "administrator", "UserID the UserSig must be for")
	sig := fs.String("usersig", "", "the UserSig to check (required)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *sig == "" {
		return errors.New("--usersig is required")
	}
	id, key, err := keys.resolve()
	if err != nil {
		return err
	}
	claims, err := usersig.Verify(*sig, id, key, *identifier, time.Now())
	out, _ := json.MarshalIndent(map[string]any{
		"SDKAppID":   claims.SDKAppID,
		"Identifier": claims.Identifier,
		"Time":       time.Unix(claims.Time, 0).UTC().Format(time.RFC3339),
		"ExpiresAt":  time.Unix(claims.Time+claims.Expire, 0).UTC().Format(time.RFC3339),
		"HasUserBuf": claims.UserBuf != nil,
	}, "", "  ")
	fmt.Fprintln(stdout, string(out))
	if err != nil {
		return fmt.Errorf("UserSig is not valid: %w", err)
	}
	fmt.Fprintln(stdout, "valid")
	return nil
}
