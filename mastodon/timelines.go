package mastodon

func (s *Server) timelineRoutes() {}
