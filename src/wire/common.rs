//! Values that several of Apple's v2 answers share.
//!
//! Apple: [Get Assets](https://developer.apple.com/documentation/devicemanagement/get-assets-4ski1), [Event Status](https://developer.apple.com/documentation/devicemanagement/events-status).

use super::open_enum::open_enum;

open_enum! {
    /// `pricingParam`: which price tier a license was bought at.
    pub enum PricingParam {
        /// `STDQ`: standard quality (the usual one).
        Stdq = "STDQ",
        /// `PLUS`: high quality (some books and apps).
        Plus = "PLUS",
    }
}

open_enum! {
    /// `productType`: what kind of asset.
    pub enum ProductType {
        /// `App`.
        App = "App",
        /// `Book`.
        Book = "Book",
    }
}

open_enum! {
    /// `eventType`: what an asynchronous request does.
    pub enum EventType {
        /// `ASSOCIATE`: assign licenses.
        Associate = "ASSOCIATE",
        /// `DISASSOCIATE`: take licenses back.
        Disassociate = "DISASSOCIATE",
        /// `REVOKE`: take back every revocable license of the users or devices.
        Revoke = "REVOKE",
        /// `CREATE`: create users.
        Create = "CREATE",
        /// `UPDATE`: update users.
        Update = "UPDATE",
        /// `RETIRE`: retire users.
        Retire = "RETIRE",
    }
}
