//! Default values of the scenario's keys (serde's `default = "…"` functions). The default
//! scenario and the constructors live with the scenario's types.

pub(crate) fn d_page_size() -> usize {
    100
}
pub(crate) fn d_rps() -> u32 {
    15
}
pub(crate) fn d_event_delay() -> u64 {
    200
}
pub(crate) fn d_retry_delay() -> u64 {
    100
}
pub(crate) fn d_25() -> usize {
    25
}
pub(crate) fn d_100() -> usize {
    100
}
pub(crate) fn d_512() -> usize {
    512
}
pub(crate) fn d_1000() -> usize {
    1000
}
pub(crate) fn d_one() -> u32 {
    1
}
pub(crate) fn d_true() -> bool {
    true
}
pub(crate) fn d_country() -> String {
    "US".into()
}
pub(crate) fn d_org() -> String {
    "Example Org".into()
}
pub(crate) fn d_expires() -> String {
    "2030-01-01T00:00:00+0000".into()
}
pub(crate) fn d_platform() -> String {
    "volumestore".into()
}
pub(crate) fn d_website() -> String {
    "https://business.apple.com".into()
}
pub(crate) fn d_email() -> String {
    "vpp-admin@example.com".into()
}
pub(crate) fn d_pricing() -> String {
    "STDQ".into()
}
pub(crate) fn d_product() -> String {
    "App".into()
}
pub(crate) fn d_platforms() -> Vec<String> {
    vec!["iOS".into(), "macOS".into()]
}
pub(crate) fn d_slow_ms() -> u64 {
    2000
}
