# Sourced by the benches that load a static target (engine-vs-wrk.sh, cluster-controller.sh):
# start_static_nginx WORKDIR starts nginx (one worker, a 1 KiB file, no access log) on a free
# loopback port, waits until it answers, and sets PORT and NGINX_PID (the caller stops it).
start_static_nginx() {
  local work=$1
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/www" "$work/nginx"
  head -c 1024 /dev/zero | tr '\0' 'a' > "$work/www/index.html"
  chmod 755 "$work" "$work/www"; chmod 644 "$work/www/index.html"
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $work/nginx/pid; error_log $work/nginx/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$PORT; root $work/www; } }
CONF
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
}
