package mastodon

func (s *Server) instanceRoutes() {}
