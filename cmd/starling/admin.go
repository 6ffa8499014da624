package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
)

// defaultTokenScopes are what `admin token` grants when --scopes is not
// given: everything a person's own client may do.
const defaultTokenScopes = "read write follow"

// adminFlags are the flags of the admin commands; each command reads the
// ones it needs.
type adminFlags struct {
	username, password, email, role, scopes string
}

// adminCommand is one `starling admin` subcommand: the flags it requires,
// and what it does with the wired program.
type adminCommand struct {
	required []string
	run      func(ctx context.Context, a *app, f adminFlags, stdout io.Writer) error
}

var adminCommands = map[string]adminCommand{
	"create-account": {[]string{"username", "password"}, createAccount},
	"set-role":       {[]string{"username", "role"}, setRole},
	"approve":        {[]string{"username"}, approve},
	"token":          {[]string{"username"}, mintToken},
}

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 {
		return usageError{errors.New("admin needs a subcommand: create-account, set-role, approve or token")}
	}
	name := args[0]
	cmd, ok := adminCommands[name]
	if !ok {
		return usageError{fmt.Errorf("unknown admin command %q", name)}
	}
	var f adminFlags
	cfg, err := parseCommand("admin "+name, args[1:], stderr, lookupEnv, func(fs *flag.FlagSet) {
		fs.StringVar(&f.username, "username", "", "the account's username")
		fs.StringVar(&f.password, "password", "", "the new account's password (better: STARLING_PASSWORD)")
		fs.StringVar(&f.email, "email", "", "the new account's e-mail address")
		fs.StringVar(&f.role, "role", "", "user, moderator or admin")
		fs.StringVar(&f.scopes, "scopes", defaultTokenScopes, "the token's scopes, space separated")
	})
	if err != nil {
		return err
	}
	given := map[string]string{"username": f.username, "password": f.password, "role": f.role}
	for _, req := range cmd.required {
		if given[req] == "" {
			return usageError{fmt.Errorf("admin %s needs --%s", name, req)}
		}
	}
	if f.role != "" {
		if _, ok := starling.ParseRole(f.role); !ok {
			return usageError{fmt.Errorf("invalid value %q for --role: want user, moderator or admin", f.role)}
		}
	}
	a, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.close()
	return describe(cmd.run(ctx, a, f, stdout))
}

func createAccount(ctx context.Context, a *app, f adminFlags, stdout io.Writer) error {
	acc, err := a.accounts.Register(ctx, accounts.RegisterInput{
		Username: f.username,
		Email:    f.email,
		Password: f.password,
		Role:     starling.Role(f.role),
		Approved: true, // an operator creating an account vouches for it
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created @%s (id %d, role %s)\n", acc.Username, acc.ID, acc.Role)
	return nil
}

func setRole(ctx context.Context, a *app, f adminFlags, stdout io.Writer) error {
	if err := a.accounts.SetRole(ctx, f.username, starling.Role(f.role)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "@%s is now %s\n", f.username, f.role)
	return nil
}

func approve(ctx context.Context, a *app, f adminFlags, stdout io.Writer) error {
	if err := a.accounts.Approve(ctx, f.username); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "@%s is approved\n", f.username)
	return nil
}

// mintToken prints only the token, so that scripts can capture it:
// TOKEN=$(starling admin token --username alice).
func mintToken(ctx context.Context, a *app, f adminFlags, stdout io.Writer) error {
	acc, err := a.accounts.ByUsername(ctx, f.username)
	if err != nil {
		return err
	}
	issued, err := a.oauth.MintToken(ctx, acc.ID, f.scopes)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, issued.AccessToken)
	return nil
}

// describe turns a domain error into a message for the shell: the
// validation failures field by field, and "no such account" for ENOTFOUND.
func describe(err error) error {
	var e *starling.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case starling.ENOTFOUND:
		return errors.New("no such account")
	case starling.EINVALID:
		fields := make([]string, 0, len(e.Details))
		for field := range e.Details {
			fields = append(fields, field)
		}
		sort.Strings(fields)
		var parts []string
		for _, field := range fields {
			for _, fe := range e.Details[field] {
				parts = append(parts, field+" "+fe.Description)
			}
		}
		if len(parts) > 0 {
			return errors.New(strings.Join(parts, "; "))
		}
	}
	if e.Code == starling.EINTERNAL {
		return err
	}
	return errors.New(e.Message)
}
