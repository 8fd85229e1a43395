package api

// addAccountPaths describes sign-in, the signed-in user, users, teams and
// tokens in the OpenAPI document.
func addAccountPaths(paths, schemas obj) {
	addAccountSchemas(schemas)
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	public := []obj{} // no credentials needed
	// op describes one operation; an empty body or schema means none.
	op := func(tag, id, desc, body, status, schema string) obj {
		answers := obj{"4XX": problem, status: obj{"description": "done"}}
		if schema != "" {
			answers[status] = response("the result", schema)
		}
		o := obj{"tags": []string{tag}, "operationId": id, "description": desc, "responses": answers}
		if body != "" {
			o["requestBody"] = jsonBody(body)
		}
		return o
	}
	withSecurity := func(o obj, sec []obj) obj { o["security"] = sec; return o }

	paths["/sessions"] = obj{"post": withSecurity(op("sessions", "sign_in",
		"Signs in and sets the rapport_session cookie (Secure, HttpOnly, SameSite=Lax). Send csrf_token back in X-CSRF-Token "+
			"on every cookie-authenticated request that is not a GET. Failures lock the e-mail and the client address out for "+
			"a doubling time (429 with Retry-After).", "SignIn", "201", "Session"), public)}
	paths["/sessions/current"] = obj{"delete": op("sessions", "sign_out", "Ends the session of the cookie.", "", "204", "")}
	paths["/password-resets"] = obj{"post": withSecurity(op("sessions", "request_password_reset",
		"Mails a reset link valid for an hour when an active account has the address; always 202.", "ResetRequest", "202", ""), public)}
	paths["/password-resets/confirm"] = obj{
		"post": withSecurity(op("sessions", "reset_password", "Sets the password once, ends every session of the user and "+
			"revokes every API token of the user; signed_out says what ended, in numbers and in a sentence to show the user. "+
			"The token, from the reset link's fragment (#token=…), goes in the body, never in a URL.",
			"NewPassword", "200", "PasswordReset"), public)}

	paths["/me"] = obj{
		"get": op("me", "get_me", "The caller, with team, role and (for a session) the CSRF token.", "", "200", "Me"),
		"patch": op("me", "update_me", "Name, language, time zone; a new password needs current_password, ends every other "+
			"session of the user and revokes every API token of the user (the one of this request too) unless keep_tokens is "+
			"true; signed_out then says what ended, in numbers and in a sentence to show the user.", "MyChange", "200", "Me")}
	paths["/me/totp"] = obj{
		"post":   op("me", "enrol_totp", "Starts two-factor enrolment: a secret and an otpauth:// URL.", "", "201", "TOTPEnrolment"),
		"delete": op("me", "disable_totp", "Turns two-factor sign-in off; needs the password.", "Password", "204", "")}
	paths["/me/totp/confirm"] = obj{"post": op("me", "confirm_totp", "Turns two-factor sign-in on with a code from the app.", "TOTPCode", "204", "")}

	paths["/users"] = obj{
		"get":  op("users", "list_users", "The directory; ?status= and ?team_id= filter.", "", "200", "UserList"),
		"post": op("users", "create_user", "Adding a user takes the right to manage users and roles.", "NewUser", "201", "User")}
	paths["/users/{id}"] = obj{"parameters": id,
		"get": op("users", "get_user", "", "", "200", "User"),
		"patch": op("users", "update_user", "Name, language, time zone, team (null for none), role. Changing a team or a role, "+
			"or anything of an administrator, takes the right to manage roles.", "UserChange", "200", "User")}
	paths["/users/{id}/deactivate"] = obj{"parameters": id, "post": op("users", "deactivate_user",
		"Ends the user's sessions and tokens; reassign_to moves what they own to another user, which takes the right to read and "+
			"update both users' records (and to manage roles when the user manages teams). Deactivating an administrator takes "+
			"the right to manage roles.", "Deactivate", "200", "Deactivation")}
	paths["/users/{id}/reactivate"] = obj{"parameters": id, "post": op("users", "reactivate_user",
		"Reactivating an administrator takes the right to manage roles.", "", "200", "User")}

	paths["/teams"] = obj{
		"get":  op("teams", "list_teams", "", "", "200", "TeamList"),
		"post": op("teams", "create_team", "Making, changing or deleting a team takes the right to manage roles.", "TeamInput", "201", "Team")}
	paths["/teams/{id}"] = obj{"parameters": id,
		"get":    op("teams", "get_team", "", "", "200", "Team"),
		"patch":  op("teams", "update_team", "manager_id null removes the manager.", "TeamInput", "200", "Team"),
		"delete": op("teams", "delete_team", "Members stay, in no team.", "", "204", "")}

	paths["/tokens"] = obj{
		"get":  op("tokens", "list_tokens", "The caller's tokens, never the tokens themselves.", "", "200", "TokenList"),
		"post": op("tokens", "create_token", "The token is in the answer, this once.", "NewToken", "201", "NewTokenResult")}
	paths["/tokens/{id}"] = obj{"parameters": id, "delete": op("tokens", "revoke_token", "", "", "204", "")}
}

func addAccountSchemas(schemas obj) {
	ts := obj{"type": "string", "format": "date-time"}
	strs := func(names ...string) obj {
		p := obj{}
		for _, n := range names {
			p[n] = str()
		}
		return p
	}
	object := func(props obj, required ...string) obj {
		o := obj{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	list := func(item string) obj {
		return obj{"type": "object", "properties": obj{"data": obj{"type": "array", "items": ref(item)}}}
	}
	user := strs("id", "email", "name", "role", "language", "time_zone")
	user["status"] = obj{"enum": []string{"active", "deactivated"}}
	user["team_id"] = obj{"type": nullable("string")}
	user["two_factor"] = obj{"type": "boolean"}
	user["created_at"], user["deactivated_at"] = ts, obj{"type": nullable("string"), "format": "date-time"}
	schemas["User"] = obj{"type": "object", "properties": user}
	schemas["UserList"] = list("User")
	schemas["Me"] = obj{"allOf": []obj{ref("User"), {"type": "object", "properties": obj{
		"team": obj{"oneOf": []obj{ref("Team"), {"type": "null"}}}, "csrf_token": str(), "signed_out": ref("SignedOut")}}}}
	schemas["SignedOut"] = obj{"type": "object", "description": "What a new password ended.", "properties": obj{
		"sessions": obj{"type": "integer", "description": "sessions signed out (a change keeps the caller's own)"},
		"tokens":   obj{"type": "integer", "description": "API tokens revoked"}, "tokens_kept": obj{"type": "boolean"},
		"message": obj{"type": "string", "description": "what ended, as a sentence for the user"}}}
	schemas["PasswordReset"] = obj{"type": "object", "properties": obj{"signed_out": ref("SignedOut")}}
	schemas["NewUser"] = object(strs("email", "name", "password", "role", "language", "time_zone", "team_id"), "email", "password", "role")
	schemas["UserChange"] = object(strs("name", "language", "time_zone", "team_id", "role"))
	myChange := strs("name", "language", "time_zone", "password", "current_password")
	myChange["keep_tokens"] = obj{"type": "boolean", "description": "with password: keep the API tokens instead of revoking them"}
	schemas["MyChange"] = object(myChange)
	schemas["Deactivate"] = object(strs("reassign_to"))
	schemas["Deactivation"] = obj{"type": "object", "properties": obj{"user": ref("User"),
		"reassigned": obj{"type": "object", "additionalProperties": obj{"type": "integer"}}}}
	team := strs("id", "name")
	team["manager_id"], team["members"], team["created_at"] = obj{"type": nullable("string")}, obj{"type": "integer"}, ts
	schemas["Team"] = obj{"type": "object", "properties": team}
	schemas["TeamList"] = list("Team")
	schemas["TeamInput"] = object(strs("name", "manager_id"))
	session := strs("id", "user_id", "csrf_token")
	session["expires_at"], session["ends_at"], session["user"] = ts, ts, ref("User")
	schemas["Session"] = obj{"type": "object", "properties": session}
	schemas["SignIn"] = object(strs("email", "password", "totp_code", "workspace"), "email", "password")
	schemas["ResetRequest"] = object(strs("email", "workspace"), "email")
	schemas["NewPassword"] = object(strs("token", "password"), "token", "password")
	schemas["Password"] = object(strs("password"), "password")
	schemas["TOTPCode"] = object(strs("code"), "code")
	schemas["TOTPEnrolment"] = obj{"type": "object", "properties": strs("secret", "otpauth_url")}
	token := strs("id", "name")
	token["scope"] = obj{"enum": []string{"read", "read_write"}}
	token["created_at"], token["last_used_at"], token["expires_at"] = ts, obj{"type": nullable("string")}, obj{"type": nullable("string")}
	schemas["Token"] = obj{"type": "object", "properties": token}
	schemas["TokenList"] = list("Token")
	schemas["NewToken"] = object(obj{"name": str(), "scope": token["scope"], "expires_at": ts}, "name")
	schemas["NewTokenResult"] = obj{"allOf": []obj{ref("Token"), {"type": "object", "properties": strs("token")}}}
}
