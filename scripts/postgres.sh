# ensure_postgres makes sure a PostgreSQL server answers on 127.0.0.1:5432
# and prints a URL for a database the tests may use. On a fresh Debian
# machine it installs and starts the server (this needs root).
ensure_postgres() {
	local url="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
		if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
			echo "installing PostgreSQL" >&2
			apt-get update -qq >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
		fi
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
		for _ in $(seq 1 30); do
			pg_isready -q -h 127.0.0.1 -p 5432 && break
			sleep 1
		done
	fi
	if psql "$url" -qtAc 'SELECT 1' >/dev/null 2>&1; then
		echo "$url"
		return
	fi
	# A stock Debian server asks for a password over TCP: give the postgres
	# role one and create the test database.
	echo "configuring PostgreSQL for the tests" >&2
	su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'rapport-test'\"" >&2
	su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'test'\" | grep -q 1 || createdb test" >&2
	echo "postgres://postgres:rapport-test@127.0.0.1:5432/test?sslmode=disable"
}
