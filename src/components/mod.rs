//! Widgets shared by several pages.
pub mod charts;
pub mod city_picker;
pub mod form;
pub mod nav;
