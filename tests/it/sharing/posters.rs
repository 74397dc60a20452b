//! Posters (issue 28): a PNG a phone can post, showing the event's title and a QR code
//! that opens its page with the sharer's referral; kept while the event is unchanged,
//! drawn anew when it changes; only for what is public.
use crate::common::{self, Backend, Browser, TestApp};

on_both_databases!(a_poster_shows_the_title_and_its_code_opens_the_page_with_the_referral, posters_exist_only_for_public_pages);

/// A fetched poster: status, ETag and body.
async fn fetch(browser: &Browser, path: &str, etag: Option<&str>) -> (u16, Option<String>, Vec<u8>) {
    let mut request = browser.client.get(format!("{}{path}", browser.base));
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    let response = request.send().await.expect("poster answered");
    let status = response.status().as_u16();
    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    if status == 200 {
        assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    }
    (status, etag, response.bytes().await.expect("body").to_vec())
}

/// The decoded poster: (title text chunk, width, height, grey pixels).
fn decode(png: &[u8]) -> (String, usize, usize, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("a PNG");
    let title = reader.info().utf8_text.iter().find(|t| t.keyword == "Title").and_then(|t| t.get_text().ok()).unwrap_or_default();
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("its pixels");
    let (width, height) = (frame.width as usize, frame.height as usize);
    let channels = frame.line_size / width;
    let grey = pixels.chunks(channels).take(width * height).map(|px| ((u32::from(px[0]) * 3 + u32::from(px[1]) * 6 + u32::from(px[2])) / 10) as u8).collect();
    (title, width, height, grey)
}

/// What the poster's QR code says.
fn qr_text(width: usize, height: usize, grey: &[u8]) -> String {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the poster");
    grids[0].decode().expect("it decodes").1
}

/// Dark pixels in the band where the title is drawn.
fn ink_in_title_band(width: usize, grey: &[u8]) -> Vec<u8> {
    grey[290 * width..560 * width].to_vec()
}

async fn a_poster_shows_the_title_and_its_code_opens_the_page_with_the_referral(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let event = common::published_event(&app.state.db, city, Some(30)).await;
    common::execute(&app.state.db, "UPDATE events SET title = '深圳米粉见面会 <script>alert(1)</script>' WHERE id = $1", &[event]).await;
    let sharer = app.fan("sharer@example.com", "深圳").await;
    let code: Option<String> = sharer.call("load_referral_code", &[]).await.expect("a code");
    let code = code.expect("a logged-in fan has a code");
    assert_eq!(sharer.call::<Option<String>>("load_referral_code", &[]).await.unwrap().as_deref(), Some(code.as_str()), "the same code every time");
    let path = format!("/meetups/{event}/poster.png");
    let (status, etag, png) = fetch(&sharer, &path, None).await;
    assert_eq!(status, 200);
    assert!(png.len() < 150 * 1024, "a poster weighs {} bytes", png.len());
    let (title, width, height, grey) = decode(&png);
    assert_eq!(title, "深圳米粉见面会 <script>alert(1)</script>", "the poster is of this event's title");
    assert_eq!((width, height), (750, 1334), "phone-sized");
    let page = format!("{}/meetups/{event}", app.state.config.public_url);
    assert_eq!(qr_text(width, height, &grey), format!("{page}?ref={code}"), "the code opens the page with the sharer's referral");
    let drawn = ink_in_title_band(width, &grey);
    assert!(drawn.iter().filter(|p| **p < 128).count() > 2_000, "the title is drawn");

    // Unchanged: the browser's copy is still good. Changed: a new poster.
    let (status, _, _) = fetch(&sharer, &path, etag.as_deref()).await;
    assert_eq!(status, 304, "an unchanged poster is not sent again");
    common::execute(&app.state.db, "UPDATE events SET title = '深圳米粉见面会：改期' WHERE id = $1", &[event]).await;
    let (status, new_etag, png) = fetch(&sharer, &path, etag.as_deref()).await;
    assert_eq!(status, 200, "a changed event is a new poster");
    assert_ne!(new_etag, etag);
    let (title, width, _, grey) = decode(&png);
    assert_eq!(title, "深圳米粉见面会：改期");
    assert_ne!(ink_in_title_band(width, &grey), drawn, "the new title is what is drawn");

    // A visitor's poster carries no referral; in English, the same code path.
    let (_, _, png) = fetch(&app.browser(), &path, None).await;
    let (_, width, height, grey) = decode(&png);
    assert_eq!(qr_text(width, height, &grey), page, "nobody's referral");
}

async fn posters_exist_only_for_public_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let event = common::published_event(&app.state.db, city, Some(30)).await;
    let visitor = app.browser();
    common::execute(&app.state.db, "UPDATE events SET status = 'draft' WHERE id = $1", &[event]).await;
    assert_eq!(fetch(&visitor, &format!("/meetups/{event}/poster.png"), None).await.0, 404, "a draft has no poster");
    assert_eq!(fetch(&visitor, "/meetups/999999/poster.png", None).await.0, 404);
    // The festival's poster.
    common::execute(&app.state.db, "INSERT INTO festivals (name, description, festival_day, opens_at, created_at, updated_at) VALUES ('米粉节 2027', '', '2027-04-06', $1, $1, $1)", &[0]).await;
    let festival = app.scalar("SELECT MAX(id) FROM festivals").await;
    let poster = format!("/festival/{festival}/poster.png");
    assert_eq!(fetch(&visitor, &poster, None).await.0, 404, "a festival not announced yet has no poster");
    assert_eq!(fetch(&common::staff_browser(&app).await, &poster, None).await.0, 200, "staff preparing it see theirs");
    common::execute(&app.state.db, "UPDATE festivals SET invited_at = $1 WHERE id = $2", &[1, festival]).await;
    let (status, _, png) = fetch(&visitor, &poster, None).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&png).0, "米粉节 2027");
    // A fan's poster: theirs to share; others see it only when the page is public.
    let fan = app.fan("poster@example.com", "深圳").await;
    let id = common::moderation::user_id(&app, "poster@example.com").await;
    let path = format!("/fans/{id}/poster.png");
    assert_eq!(fetch(&visitor, &path, None).await.0, 404, "a private page has no poster for others");
    assert_eq!(fetch(&fan, &path, None).await.0, 200, "the fan has theirs");
    let _: bool = fan.call("set_public_profile", &[("public", "on")]).await.unwrap();
    let (status, _, png) = fetch(&visitor, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&png).0, "Fan");
    // The meetup page offers the poster and the link in its share box.
    let event = common::published_event(&app.state.db, city, Some(30)).await;
    let (_, html) = fan.page(&format!("/meetups/{event}")).await;
    assert!(html.contains(&format!("src=\"/meetups/{event}/poster.png\"")), "the share box shows the poster");
    let code: Option<String> = fan.call("load_referral_code", &[]).await.unwrap();
    assert!(html.contains(&format!("/meetups/{event}?ref={}", code.unwrap())), "and the fan's link");
}
