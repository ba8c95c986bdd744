import Monitors
import XCTest

/// Shaped like node_exporter 1.x output (Go client): HELP before TYPE, a summary, counters
/// with cpu/mode labels, exponent notation, a histogram with labels, and label values
/// with every escape the format has.
let nodeExporterLike = #"""
# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.3e-05
go_gc_duration_seconds{quantile="0.25"} 3.1e-05
go_gc_duration_seconds{quantile="0.5"} 4.2e-05
go_gc_duration_seconds{quantile="0.75"} 5.5e-05
go_gc_duration_seconds{quantile="1"} 0.000131
go_gc_duration_seconds_sum 0.0042
go_gc_duration_seconds_count 87
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 9
# HELP go_info Information about the Go environment.
# TYPE go_info gauge
go_info{version="go1.19.8"} 1
# HELP go_memstats_heap_sys_bytes Number of heap bytes obtained from system.
# TYPE go_memstats_heap_sys_bytes gauge
go_memstats_heap_sys_bytes 3.833856e+06
# HELP node_boot_time_seconds Node boot time, in unixtime.
# TYPE node_boot_time_seconds gauge
node_boot_time_seconds 1.796311628e+09
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 8691.43
node_cpu_seconds_total{cpu="0",mode="iowait"} 26.65
node_cpu_seconds_total{cpu="0",mode="system"} 311.2
node_cpu_seconds_total{cpu="0",mode="user"} 1020.97
node_cpu_seconds_total{cpu="1",mode="idle"} 8702.01
node_cpu_seconds_total{cpu="1",mode="iowait"} 24.3
node_cpu_seconds_total{cpu="1",mode="system"} 305.88
node_cpu_seconds_total{cpu="1",mode="user"} 1012.5

# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/vda1",fstype="ext4",mountpoint="/"} 5.4771453952e+10
node_filesystem_avail_bytes{device="C:\\data",fstype="ntfs",mountpoint="/mnt/\"quoted\"\nnext"} 1.2e+09
# HELP node_disk_info Info of /sys/block/<block_device>.
# TYPE node_disk_info gauge
node_disk_info{device="vda",major="254",minor="0",model="",path="",revision="",serial="",wwn=""} 1
# HELP node_hwmon_temp_celsius Hardware monitor for temperature (input)
# TYPE node_hwmon_temp_celsius gauge
node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp1"} NaN
# HELP node_netstat_Tcp_ActiveOpens Statistic TcpActiveOpens.
# TYPE node_netstat_Tcp_ActiveOpens untyped
node_netstat_Tcp_ActiveOpens 3158
# HELP node_textfile_mtime_seconds Unixtime mtime of textfiles successfully read.\nOne line per file, in C:\\textfiles.
# TYPE node_textfile_mtime_seconds gauge
node_textfile_mtime_seconds{file="backup.prom"} 1.700000000e+09 1700000000000
# HELP http_request_duration_seconds Latency of HTTP requests.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/metrics",le="0.005"} 3
http_request_duration_seconds_bucket{handler="/metrics",le="0.01"} 7
http_request_duration_seconds_bucket{handler="/metrics",le="0.1"} 20
http_request_duration_seconds_bucket{handler="/metrics",le="1"} 24
http_request_duration_seconds_bucket{handler="/metrics",le="+Inf"} 25
http_request_duration_seconds_sum{handler="/metrics"} 3.75
http_request_duration_seconds_count{handler="/metrics"} 25
http_request_duration_seconds_bucket{handler="/",le="0.005"} 0
http_request_duration_seconds_bucket{handler="/",le="0.01"} 0
http_request_duration_seconds_bucket{handler="/",le="0.1"} 1
http_request_duration_seconds_bucket{handler="/",le="1"} 1
http_request_duration_seconds_bucket{handler="/",le="+Inf"} 1
http_request_duration_seconds_sum{handler="/"} 0.05
http_request_duration_seconds_count{handler="/"} 1
# A free-form comment, ignored.
node_exporter_build_info{branch="",goversion="go1.19.8",revision="",version="1.5.0"} 1
# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
# TYPE promhttp_metric_handler_requests_total counter
promhttp_metric_handler_requests_total{code="200"} 12
promhttp_metric_handler_requests_total{code="500"} 0
promhttp_metric_handler_requests_total{code="503"} 0

"""#

/// Real output of the Python client (prometheus_client 0.16, Debian's python3-prometheus-client):
/// `_total` counters with `_created` gauges as separate families, a histogram with `_count`
/// before `_sum`, a summary without quantiles, a NaN gauge, and `\"`, `\\`, `\n` in a label value.
let pythonClientOutput = #"""
# HELP reqs_total Requests "total"\nnewline \\ back
# TYPE reqs_total counter
reqs_total{path="/a\"b\\c\nd"} 3.0
# HELP reqs_created Requests "total"\nnewline \\ back
# TYPE reqs_created gauge
reqs_created{path="/a\"b\\c\nd"} 1.796331971491103e+09
# HELP lat_seconds Latency
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.005"} 0.0
lat_seconds_bucket{le="0.01"} 0.0
lat_seconds_bucket{le="0.025"} 0.0
lat_seconds_bucket{le="0.05"} 0.0
lat_seconds_bucket{le="0.075"} 0.0
lat_seconds_bucket{le="0.1"} 0.0
lat_seconds_bucket{le="0.25"} 0.0
lat_seconds_bucket{le="0.5"} 1.0
lat_seconds_bucket{le="0.75"} 1.0
lat_seconds_bucket{le="1.0"} 1.0
lat_seconds_bucket{le="2.5"} 1.0
lat_seconds_bucket{le="5.0"} 1.0
lat_seconds_bucket{le="7.5"} 2.0
lat_seconds_bucket{le="10.0"} 2.0
lat_seconds_bucket{le="+Inf"} 2.0
lat_seconds_count 2.0
lat_seconds_sum 7.3
# HELP lat_seconds_created Latency
# TYPE lat_seconds_created gauge
lat_seconds_created 1.7963319714911234e+09
# HELP sz Size
# TYPE sz summary
sz_count 1.0
sz_sum 4.0
# HELP sz_created Size
# TYPE sz_created gauge
sz_created 1.7963319714911847e+09
# HELP g G
# TYPE g gauge
g NaN
# HELP build_info Build
# TYPE build_info gauge
build_info{v="1"} 1.0
# HELP st State
# TYPE st gauge
st{st="a"} 1.0
st{st="b"} 0.0

"""#

/// About the size of a busy host's node_exporter output: `lines` lines of HELP/TYPE,
/// labelled counters and gauges, and one histogram per 40 families.
func syntheticExposition(lines target: Int) -> String {
    var out = ""
    var lines = 0
    var family = 0
    while lines < target {
        family += 1
        if family % 40 == 0 {
            let name = "node_synthetic_\(family)_duration_seconds"
            out += "# HELP \(name) Synthetic histogram number \(family).\n# TYPE \(name) histogram\n"
            var cumulative = 0
            for le in ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"] {
                cumulative += 3
                out += "\(name)_bucket{collector=\"c\(family)\",le=\"\(le)\"} \(cumulative)\n"
            }
            out += "\(name)_sum{collector=\"c\(family)\"} 12.5\n\(name)_count{collector=\"c\(family)\"} \(cumulative)\n"
            lines += 16
            continue
        }
        let counter = family % 2 == 0
        let name = counter ? "node_synthetic_\(family)_bytes_total" : "node_synthetic_\(family)_ratio"
        out += "# HELP \(name) Synthetic \(counter ? "counter" : "gauge") number \(family) with a longer help text.\n"
        out += "# TYPE \(name) \(counter ? "counter" : "gauge")\n"
        lines += 2
        for device in 0..<8 {
            out += "\(name){device=\"sd\(device)\",mode=\"m\(family % 7)\"} \(counter ? "\(family * 1_000_003 + device)" : "0.\(family)\(device)e-3")\n"
            lines += 1
        }
    }
    return out
}
