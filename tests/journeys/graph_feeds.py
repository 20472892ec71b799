"""Small hand-built GTFS feeds for the graph tests: each case of GTFS as the world writes it."""

from __future__ import annotations

from pathlib import Path

from regie.gtfs.feed_tables import FeedTables, read_feed_tables

WEEKDAYS = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n" \
           "wk,1,1,1,1,1,0,0,20240101,20241231\n"

BASE = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone\n"
              "op:ag,Op Buses,https://op.example,Europe/Paris\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n"
             "op:ST,Central,43.0,-1.0,1,,1\n"
             "op:P1,Central 1,43.0001,-1.0,0,op:ST,0\n"
             "op:P2,Central 2,43.0002,-1.0,0,op:ST,2\n"
             "op:A,Alpha,43.01,-1.0,,,\n"
             "op:B,Bravo,43.02,-1.0,,,\n"
             "op:C,Charlie,43.03,-1.0,,,\n"
             "op:D,Delta,43.04,-1.0,,,\n",
    "routes": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
              "op:R1,op:ag,1,Line one,3\nop:R2,op:ag,T,Train,109\n",
    "trips": "route_id,service_id,trip_id,trip_headsign,wheelchair_accessible,shape_id\n"
             "op:R1,wk,op:t1,Delta,1,op:sh1\n"
             "op:R1,wk,op:t2,Charlie,,\n"
             "op:R2,wk,op:t3,Late,2,\n"
             "op:R2,wk,op:t4,Very late,,\n"
             "op:R1,wk,op:tf0,Headway,,\n"
             "op:R1,wk,op:tf1,Exact,,\n",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type,"
                  "shape_dist_traveled\n"
                  "op:t1,08:00:00,08:00:00,op:A,1,,,0\n"
                  "op:t1,,,op:B,2,,,3\n"
                  "op:t1,08:20:00,08:20:00,op:C,3,,,4\n"
                  "op:t1,08:30:00,08:30:00,op:D,4,,,5\n"
                  "op:t2,09:00:00,09:00:00,op:A,1,0,0,\n"
                  "op:t2,09:10:00,09:10:00,op:B,2,1,1,\n"
                  "op:t2,09:20:00,09:20:00,op:C,3,0,0,\n"
                  "op:t3,23:50:00,23:50:00,op:P1,1,,,\n"
                  "op:t3,24:10:00,24:10:00,op:C,2,,,\n"
                  "op:t3,25:00:00,25:00:00,op:D,3,,,\n"
                  "op:t4,48:10:00,48:10:00,op:A,1,,,\n"
                  "op:t4,48:40:00,48:40:00,op:B,2,,,\n"
                  "op:tf0,00:00:00,00:00:00,op:A,1,,,\n"
                  "op:tf0,00:05:00,00:05:00,op:B,2,,,\n"
                  "op:tf1,10:00:00,10:00:00,op:A,1,,,\n"
                  "op:tf1,10:07:00,10:07:00,op:C,2,,,\n",
    "frequencies": "trip_id,start_time,end_time,headway_secs,exact_times\n"
                   "op:tf0,06:00:00,07:00:00,1200,0\n"
                   "op:tf1,07:00:00,07:30:00,600,1\n",
    "calendar": WEEKDAYS,
    "shapes": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
              "op:sh1,43.01,-1.0,1,0\nop:sh1,43.04,-1.0,2,5\n",
    "feed_info": "feed_publisher_name,feed_publisher_url,feed_lang,feed_version\n"
                 "Pool,https://pool.example,en,2024-03-01\n",
}

PATHWAYS = {
    "agency": BASE["agency"],
    "stops": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n"
             "S,Station,43.0,-1.0,1,,1\n"
             "P1,Platform 1,43.0001,-1.0,0,S,\n"
             "P2,Platform 2,43.0002,-1.0,0,S,\n"
             "P3,Platform 3,43.0003,-1.0,0,S,\n"
             "BA,Platform 3 boarding area,43.0003,-1.0,4,P3,\n"
             "N,Hall,43.0,-1.0001,3,S,\n"
             "E,Entrance,43.0,-1.0002,2,S,\n"
             "T,Town,43.01,-1.0,1,,\n"
             "T1,Town 1,43.0101,-1.0,0,T,\n"
             "T2,Town 2,43.0102,-1.0,0,T,\n",
    "routes": "route_id,agency_id,route_short_name,route_type\nR,op:ag,1,2\n",
    "trips": "route_id,service_id,trip_id\nR,wk,t\n",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "t,08:00:00,08:00:00,P1,1\nt,08:10:00,08:10:00,T1,2\n",
    "calendar": WEEKDAYS,
    # P1 -walkway 30 s- N -stairs 20 s- P2, N -elevator 90 s- P2, N -escalator 10 s, one way- BA (P3)
    "pathways": "pathway_id,from_stop_id,to_stop_id,pathway_mode,is_bidirectional,length,traversal_time\n"
                "w1,P1,N,1,1,,30\n"
                "s1,N,P2,2,1,,20\n"
                "l1,N,P2,5,1,,90\n"
                "x1,N,BA,4,0,,10\n"
                "e1,E,N,1,1,24,\n",
}


def write_feed(folder: Path, tables: dict[str, str]) -> FeedTables:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return read_feed_tables(folder)
