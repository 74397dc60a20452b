//! Widgets shared by several pages.
pub mod city_picker;
pub mod form;
pub mod nav;
