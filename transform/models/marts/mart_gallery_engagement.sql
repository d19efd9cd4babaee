-- Grain: one row per Gallery collection: who looked, what they downloaded and favorited.
with visitors as (
    select account_id, collection_id, count(*) as visitors, cast(sum(coalesce(visits, 1)) as bigint) as visits
    from {{ ref('stg_pixieset__collection_visitor_emails') }}
    group by 1, 2
),

photo_downloads as (
    select account_id, collection_id, cast(sum(download_count) as bigint) as photo_downloads,
        count(distinct client_email) as downloading_clients
    from {{ ref('stg_pixieset__collection_photo_downloads') }}
    group by 1, 2
),

video_downloads as (
    select account_id, collection_id, count(*) as video_downloads
    from {{ ref('stg_pixieset__collection_video_downloads') }}
    where status is null or status <> 'failed'
    group by 1, 2
),

downloads as (
    select account_id, collection_id,
        count(*) as download_events,
        cast(sum(case when status = 'failed' then 1 else 0 end) as bigint) as failed_downloads,
        cast(sum(case when status = 'failed' then 0 else bytes_transferred end) as bigint) as bytes_downloaded
    from {{ ref('stg_pixieset__collection_downloads') }}
    group by 1, 2
),

favorites as (
    select account_id, collection_id, cast(sum(favorite_count) as bigint) as favorites,
        count(distinct client_email) as favoriting_clients
    from {{ ref('stg_pixieset__collection_favorites') }}
    group by 1, 2
),

links as (
    select account_id, collection_id, count(*) as sharing_links, cast(sum(coalesce(views, 0)) as bigint) as sharing_link_views
    from {{ ref('stg_pixieset__collection_photo_sharing_links') }}
    group by 1, 2
),

starred as (
    select account_id, collection_id, count(*) as starred_photos
    from {{ ref('stg_pixieset__starred_photos') }}
    group by 1, 2
)

select
    collections.account_id,
    collections.collection_id,
    collections.collection_name,
    collections.status,
    collections.created_at,
    collections.photo_count,
    collections.video_count,
    collections.client_count,
    coalesce(visitors.visitors, 0) as visitors,
    coalesce(visitors.visits, 0) as visits,
    coalesce(photo_downloads.photo_downloads, 0) as photo_downloads,
    coalesce(photo_downloads.downloading_clients, 0) as downloading_clients,
    coalesce(video_downloads.video_downloads, 0) as video_downloads,
    coalesce(downloads.download_events, 0) as download_events,
    coalesce(downloads.failed_downloads, 0) as failed_downloads,
    coalesce(downloads.bytes_downloaded, 0) as bytes_downloaded,
    coalesce(favorites.favorites, 0) as favorites,
    coalesce(favorites.favoriting_clients, 0) as favoriting_clients,
    coalesce(links.sharing_links, 0) as sharing_links,
    coalesce(links.sharing_link_views, 0) as sharing_link_views,
    coalesce(starred.starred_photos, 0) as starred_photos
from {{ ref('stg_pixieset__collections') }} as collections
left join visitors using (account_id, collection_id)
left join photo_downloads using (account_id, collection_id)
left join video_downloads using (account_id, collection_id)
left join downloads using (account_id, collection_id)
left join favorites using (account_id, collection_id)
left join links using (account_id, collection_id)
left join starred using (account_id, collection_id)
